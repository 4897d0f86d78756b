"""Ingestion's business metrics (issue 4 §5).

Label values come from a closed set (channel, outcome, reason) or are capped
(source), so a hostile input cannot blow up the series count or put personal
data into a label.
"""
import re

from prometheus_client import Counter, Gauge, Histogram

from common.metrics import watch_oldest

RECEIVED = Counter("crm_ingestion_records_received_total",
                   "Intake inputs received, by channel and source.", ["channel", "source"])
ACCEPTED = Counter("crm_ingestion_records_accepted_total",
                   "Records accepted, by channel and outcome (created/updated/unchanged).",
                   ["channel", "outcome"])
REJECTED = Counter("crm_ingestion_records_rejected_total",
                   "Inputs rejected and kept for repair, by channel and reason.",
                   ["channel", "reason"])
PROCESSING = Histogram("crm_ingestion_record_duration_seconds",
                       "Time to validate, normalize, protect and store one record.", ["channel"])
IMPORT_ROWS = Counter("crm_ingestion_import_rows_total",
                      "Rows processed by list imports, by outcome (import progress).",
                      ["outcome"])
IMPORT_BATCHES = Counter("crm_ingestion_import_batches_total",
                         "List imports started and finished; started - finished = running.",
                         ["state"])
REPLAYED = Counter("crm_ingestion_rejects_replayed_total",
                   "Rejects run again by an operator, by outcome.", ["outcome"])
IDEMPOTENT = Counter("crm_ingestion_http_idempotent_total",
                     "HTTP requests whose Idempotency-Key was answered before, by outcome "
                     "(replayed: the first answer again; mismatch: another body, 422).",
                     ["outcome"])
UNDELETED_BROKER_USERS = Gauge(
    "crm_ingestion_undeleted_broker_users",
    "Broker users of revoked clients and operators not deleted yet (the broker's "
    "management API did not answer; retried every 30 s).")

_SAFE = re.compile(r"[^A-Za-z0-9_.:-]")


def source_label(source: object) -> str:
    """A bounded, harmless label for a record's source ('-' when missing or not text).

    Digits runs are cut to 6 so even a mistyped identifier in `source` is no ID."""
    if not isinstance(source, str) or not source.strip():
        return "-"
    return re.sub(r"\d{7,}", lambda m: m.group(0)[:6] + "~", _SAFE.sub("_", source))[:40]

ERASURE_REQUESTS = Counter("crm_ingestion_erasure_requests_total",
                           "Upstream erasure requests, by outcome (requested/rejected).",
                           ["outcome"])
RECORDS_ERASED = Counter("crm_ingestion_records_erased_total",
                         "Accepted records sealed after customer.erased.")

OLDEST_OPEN_REJECT = Gauge("crm_ingestion_oldest_open_reject_age_seconds",
                           "Age of the oldest reject not yet repaired or discarded "
                           "(0 when none is open).")


def watch_open_rejects(rejects) -> None:
    """The reject-age gauge reads `rejects` at each scrape (alert CrmRejectsNotRepaired)."""
    watch_oldest(OLDEST_OPEN_REJECT, rejects, {"status": "open"}, "received_at")
