"""Exchange and routing-key names: public interfaces other teams code against.

nameko's EventDispatcher publishes a service's events to the topic exchange
"<service>.events" with the event type as routing key, so these names are what
nameko produces and what outside subscribers bind to.
"""

# The upstream contract: upstream systems publish here.
INTAKE_EXCHANGE = "crm.intake"
INTAKE_ROUTING_KEY = "customer.created"
INTAKE_ERASE_ROUTING_KEY = "customer.erase"
INTAKE_QUEUE = "crm.intake.ingestion"

INGESTION_EVENTS = "ingestion.events"
DEDUP_EVENTS = "dedup.events"
TIERING_EVENTS = "tiering.events"
ASSIGNMENT_EVENTS = "assignment.events"
NOTIFICATION_EVENTS = "notification.events"
GROUPS_EVENTS = "groups.events"
CAMPAIGNS_EVENTS = "campaigns.events"

CUSTOMER_INGESTED = "customer.ingested"
CUSTOMER_REGISTERED = "customer.registered"
CUSTOMER_UPDATED = "customer.updated"
CUSTOMER_MERGED = "customer.merged"
CUSTOMER_REVIEW_NEEDED = "customer.review_needed"
TIER_CHANGED = "tier.changed"
CUSTOMER_ASSIGNED = "customer.assigned"
NOTIFICATION_SENT = "notification.sent"
NOTIFICATION_FAILED = "notification.failed"
# Group customers (domain §8): a group formed or changed, and its exposure crossing a
# warning level, the limit or the escalation amount.
GROUP_CHANGED = "group.changed"
GROUP_LIMIT_WARNING = "group.limit_warning"
# Erasure (right to be forgotten): ingestion validates an upstream `customer.erase`
# and publishes `customer.erasure_requested`; dedup seals the person's golden record
# and announces `customer.erased`, on which every service seals its own copies.
CUSTOMER_ERASURE_REQUESTED = "customer.erasure_requested"
CUSTOMER_ERASED = "customer.erased"

# Access control: ingestion announces every change to an operator's grant; each
# service keeps its own copy to judge RPC callers (docs/access-control.md).
OPERATOR_CHANGED = "operator.changed"

# Campaigns (call lists, calls, the days' sheets): announced on campaigns.events.
CAMPAIGN_CREATED = "campaign.created"
CALL_LOGGED = "call.logged"
DAY_SIGNED_OFF = "day.signed_off"

SCHEMA_VERSION = "1"
