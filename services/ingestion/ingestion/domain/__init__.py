"""Pure domain helpers for ingestion: text, Chinese resident IDs, masking."""
