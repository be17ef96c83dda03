"""For pack authors and the docs site: generated reference pages, coverage tables and JSON Schemas."""
