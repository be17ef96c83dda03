"""Reading source text: YAML with line/column locations, and pydantic errors turned into located problems."""
