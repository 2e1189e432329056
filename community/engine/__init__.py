"""Community's pure helpers: plain values in, plain values out (reply templates, social captions, upload times).
No Django and no app imports here (an import-linter contract checks it), so each is tested without a database."""
