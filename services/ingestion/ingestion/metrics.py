"""Ingestion's business metrics."""
from prometheus_client import Counter, Histogram

RECEIVED = Counter("crm_ingestion_records_received_total",
                   "Intake records received, by channel and source.", ["channel", "source"])
ACCEPTED = Counter("crm_ingestion_records_accepted_total",
                   "Records accepted, by channel and outcome (created/updated/unchanged).",
                   ["channel", "outcome"])
REJECTED = Counter("crm_ingestion_records_rejected_total",
                   "Records rejected and kept for repair, by channel and reason.",
                   ["channel", "reason"])
PROCESSING = Histogram("crm_ingestion_record_duration_seconds",
                       "Time to validate, normalize, protect and store one record.", ["channel"])
IMPORT_ROWS = Counter("crm_ingestion_import_rows_total",
                      "Rows processed by list imports (progress of running imports).")
