"""Notification's metrics: outcomes per channel, send latency, outbox depth and age."""
from prometheus_client import Counter, Gauge, Histogram

SENT = Counter("crm_notification_messages_total", "Delivery attempts by channel and outcome.",
               ["channel", "outcome"])
SEND_SECONDS = Histogram("crm_notification_send_duration_seconds", "Time to deliver one message.",
                         ["channel"])
OUTBOX = Gauge("crm_notification_outbox_messages",
               "Messages in the outbox awaiting delivery (pending) or given up (failed).",
               ["status"])
OLDEST_PENDING = Gauge("crm_notification_oldest_pending_age_seconds",
                       "Age of the oldest message not yet delivered (0 when none).")
REMINDERS = Counter("crm_notification_followup_reminders_total",
                    "Follow-up reminders sent, by intent class.", ["intent_class"])
FOLLOWUPS = Counter("crm_notification_followups_total",
                    "Follow-ups recorded, by intent class and outcome.", ["intent_class", "outcome"])
CONVERSION = Gauge("crm_notification_followup_conversion_ratio",
                   "Customers converted / customers followed up, by intent class.",
                   ["intent_class"])
ERASURE_CANCELLED = Counter("crm_notification_erasure_cancelled_total",
                            "Messages not yet delivered, cancelled because their customer was erased.")
