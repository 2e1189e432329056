"""Distribution: releases, media, metadata and publishing to platforms."""
