"""Monetization's pure helpers: money arithmetic and formatting, licence certificate PDFs, the sample-pack slicer and
the revenue statement parser. No Django and no app imports here but the pure production engine (an import-linter
contract checks it), so each is tested without a database."""
