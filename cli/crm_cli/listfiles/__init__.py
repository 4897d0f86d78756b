"""Reading customer and roster lists (CSV/TSV, XLSX, JSON, JSON lines) for the CLI.

The CLI turns a branch's file into intake records (``crm import``) or manager rows
(``crm managers import``); the services only ever receive the records, so this
reading lives here and installing ``crm`` installs no service.
"""
from .profiles import (
    BUILTIN_PROFILES, ID_FIELDS, LIST_FIELDS, FieldProfile, Row, cell_value, choose_profile,
    header_key, set_path,
)
from .readers import (
    ADAPTER_CLASSES, CsvAdapter, JsonAdapter, JsonLinesAdapter, XlsxAdapter,
    adapter_for_filename, decode_text, detect_text, sniff_delimiter,
)

__all__ = ["ADAPTER_CLASSES", "BUILTIN_PROFILES", "CsvAdapter", "FieldProfile", "ID_FIELDS",
           "JsonAdapter", "JsonLinesAdapter", "LIST_FIELDS", "Row", "XlsxAdapter",
           "adapter_for_filename", "cell_value", "choose_profile", "decode_text", "detect_text",
           "header_key", "set_path", "sniff_delimiter"]
