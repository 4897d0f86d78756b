"""One sentence for every field of the contracts, exported into the JSON Schema files and
the AsyncAPI document (contracts.export) for the teams that integrate.

FIELDS holds what a name means in every message; BY_SCHEMA overrides it where one schema
(by its marshmallow class name) uses the name differently. A description in a field's own
metadata wins over both. contracts/tests/test_descriptions.py fails on a field that has
none, so a new field cannot be exported without one.
"""
from __future__ import annotations

FIELDS: dict[str, str] = {
    # -- every event ------------------------------------------------------------------
    "event_id": "Unique id of this event (UUID); the same on a redelivery: deduplicate on it.",
    "occurred_at": "When the event happened, ISO 8601 with a UTC offset.",
    "schema_version": "Version of this contract; a consumer refuses a version it does not know.",
    "correlation_id": "Id shared by every event caused by the same intake record or operator "
                      "action, for tracing a customer through the pipeline.",
    # -- intake record and its parts ----------------------------------------------------
    "source": "The upstream system's name for itself; with external_id it identifies the record.",
    "external_id": "The record's id in the upstream system; (source, external_id) is unique.",
    "registered_by": "Id of the employee who registered the customer upstream (the registrant "
                     "keeps an affinity in assignment).",
    "registered_at": "When the customer was registered upstream, ISO 8601 date or date-time.",
    "kind": "`person` or `organization`.",
    "name": "The customer's full name.",
    "given_name": "Given name, when upstream splits the name.",
    "family_name": "Family name, when upstream splits the name.",
    "birth_date": "Birth date, ISO 8601 (YYYY-MM-DD).",
    "gender": "Gender as upstream records it (e.g. M, F).",
    "national_id": "National identity number (a CN resident id is checked: length, date and "
                   "check digit); stored encrypted, never sent on in an event.",
    "national_id_type": "What national_id is: `cn_resident`, `passport` or `other`.",
    "phones": "Phone numbers in any common notation; normalized to E.164.",
    "emails": "E-mail addresses; normalized to lower case.",
    "address": "Postal address.",
    "line1": "Street and number.",
    "line2": "Further address line (building, floor, unit).",
    "city": "City.",
    "district": "District within the city.",
    "province": "Province.",
    "postcode": "Postal code.",
    "country": "Country, ISO 3166-1 alpha-2 (e.g. CN).",
    "branch": "Code of the bank branch the customer belongs to.",
    "financials": "The customer's financial figures, the input of the tiering schemes.",
    "avg_daily_assets": "Average daily assets in yuan.",
    "has_relationship": "Whether the customer already holds a product of the bank.",
    "card_spend_12m": "Card spending over the last 12 months, in yuan.",
    "loan_balance": "Outstanding loan balance, in yuan.",
    "custody_margin": "Margin earned on custody accounts, in yuan.",
    "card_level": "Level of the customer's card (standard, gold, platinum, diamond, black).",
    "as_of": "Date the financial figures refer to, ISO 8601.",
    "intent": "What a maintainer learned about the customer's intentions.",
    "willingness": "How willing the customer is to buy (the intent scheme's input).",
    "potential": "The customer's estimated potential (the intent scheme's input).",
    "consent": "The customer's consents.",
    "marketing": "Whether the customer agreed to marketing contact.",
    "do_not_call": "Whether the customer asked not to be called (telephone marketing skips "
                   "them); null when not recorded.",
    "products": "Products the customer holds, each with the date the holding refers to.",
    "code": "The bank's product code (e.g. TD3M for a three-month time deposit).",
    "matures_on": "When the product matures (deposits, wealth products), ISO 8601 date.",
    "balance": "Balance held in the product, in yuan.",
    # -- identities and blind indexes -----------------------------------------------------
    "record_id": "Id of the accepted intake record (`<source>:<external_id>`).",
    "customer_id": "Id of the golden customer (the deduplicated person or organization).",
    "national_id_bi": "Keyed blind index of the national id (HMAC: matches without the id).",
    "verified_national_id_bi": "The same blind index when the id was verified at intake (a CN "
                               "resident id with valid check digit and date), else null.",
    "phone_bis": "Keyed blind indexes of the normalized phone numbers.",
    "email_bis": "Keyed blind indexes of the normalized e-mail addresses.",
    "address_bi": "Keyed blind index of the normalized address.",
    "street_bi": "Keyed blind index of the normalized first address line alone (the "
                 "street): equal to address_bi when there is no second line.",
    "has_contact": "Whether the customer has at least one usable phone or e-mail address.",
    "display": "Masked personal data for people and notifications (张*, 138****8000).",
    "phone": "Masked phone number.",
    "email": "Masked e-mail address.",
    "quality": "Data-quality findings of intake (field, issue) that did not reject the record.",
    # -- dedup ----------------------------------------------------------------------------
    "customer": "The golden customer as it is after this change.",
    "owner": "The registration that owns the golden customer (its earliest registrant).",
    "member_count": "How many intake records make up the golden customer.",
    "revision": "Revision of the golden customer; grows with every change to it.",
    "survivor_id": "The golden customer that remains after the merge.",
    "absorbed_ids": "Golden customers merged into customer_id, which no longer exist on their own.",
    "review_id": "Id of the review (`RV` and 16 hex digits, safe in a shell), for "
                 "`crm review show|accept|reject`.",
    "candidate_id": "The existing golden customer the record possibly duplicates.",
    "score": "Match score between the record and the candidate (0 to 1).",
    "record_ids": "Intake records of the erased customer.",
    "requested_by": "Who asked for the erasure (an operator or an upstream system).",
    "erased_at": "When dedup sealed the personal data, ISO 8601.",
    # -- tiering and assignment -----------------------------------------------------------
    "scheme": "Tiering scheme (`star`, `service_band`, `intent`).",
    "previous": "Tier before the change; null for a customer new to the scheme.",
    "current": "Tier after the change; null when the customer left the scheme.",
    "direction": "`new`, `up`, `down` or `removed`.",
    "reason": "Why, in plain words: the rule and the figures behind the decision.",
    "rules_version": "Version of the tiering rules document that decided.",
    "merged_into": "For `removed` after a merge: the surviving golden customer.",
    "manager_id": "The maintainer now responsible for the customer; null when none has room.",
    "role": "The maintainer's role (which tiers or bands they serve).",
    "previous_manager_id": "The maintainer responsible before this change, if any.",
    "band": "Service band of the customer that decided the maintainer's role.",
    # -- notification ---------------------------------------------------------------------
    "notification_id": "Id of the notification message.",
    "source_event_id": "event_id of the event that caused the notification.",
    "recipient": "Who was notified (a maintainer id or a configured address).",
    "channel": "Delivery channel (`log`, `email`, `webhook`).",
    "status": "`sent` or `failed`.",
    "error": "Why the delivery failed (masked); null when sent.",
    # -- organisations, relations, credit (contracts.parties) ---------------------------
    "organization": "An organisation's registration data (for kind `organization`).",
    "uscc": "Unified social credit code (统一社会信用代码, GB 32100, 18 characters with a check "
            "character); in events only when the check character is right.",
    "legal_representative": "The organisation's legal representative (masked in events).",
    "industry": "The organisation's industry, as upstream names it.",
    "relations": "How this customer is related to other parties: `<this> <type> <target>`.",
    "type": "`controls`, `controlled_by`, `key_person` (this party is a main investor or key "
            "manager of the target), `investor` (with share) or `relative_of` (with "
            "kinship_degree).",
    "kinship_degree": "For `relative_of`: how close the relatives are.",
    "line": "`spouse`, `lineal` (generations apart) or `collateral` (degree apart).",
    "degree": "Lineal generations (parent 1, grandparent 2) or collateral degree (sibling 1, "
              "cousin 2); 0 for a spouse.",
    "share": "Equity share held in the target, 0 to 1.",
    "target": "The other party: by source + external_id, by uscc or by national_id.",
    "target_key": "The other party as a party key: `rec:<source>:<external_id>`, "
                  "`uscc:<code>` or `nid:<blind index of the national id>`.",
    "party_keys": "The party keys that relations can name this customer by (its records, its "
                  "valid USCC, the blind index of its national id).",
    "credit": "The bank's credit to the customer.",
    "limit": "Credit granted (the credit line), in yuan.",
    "outstanding": "Credit drawn and not repaid, in yuan.",
    # -- groups ----------------------------------------------------------------------------
    "group_id": "Id of the group customer.",
    "members": "Golden customer ids of the group's members (organisations).",
    "lead_branch": "The branch with the largest outstanding credit to the group at the last "
                   "quarter end (牵头行); null when no member has credit.",
    "exposure": "The group's exposure: the sum of its members' credit (limit, or outstanding "
                "when higher), in yuan.",
    "share_of_limit": "Exposure divided by the group limit (1.0 = at the limit).",
    "change": "What changed: `formed`, `joined`, `left`, `merged`, `split`, "
              "`lead_branch_changed` or `dissolved`.",
    "joined": "Customers that joined the group with this change.",
    "left": "Customers that left the group with this change.",
    "merged_from": "Groups merged into this one.",
    "split_from": "The group this one split from.",
    "previous_lead_branch": "The lead branch before this change.",
    "level": "The level crossed: a share of the limit such as `80%` or `100%`, or "
             "`escalation`.",
    "threshold": "The exposure, in yuan, at which this level is reached.",
    "escalation": "Whether the level is the escalation amount (the president's office meeting).",
    # -- campaigns -------------------------------------------------------------------------
    "campaign_id": "Id of the campaign plan (cmp-...).",
    "starts": "First day of the campaign, ISO 8601 (YYYY-MM-DD).",
    "ends": "Last day of the campaign, ISO 8601 (YYYY-MM-DD).",
    "staff": "Staff ids the call list is shared among.",
    "customers": "How many customers are on the call list.",
    "criteria": "The segment the call list was built from.",
    "star": "Star levels chosen (empty: any).",
    "maturing_within": "Only customers with a product maturing within this many days; null: "
                       "no such condition.",
    "min_balance": "Only customers whose products' balances add up to this many yuan; null: "
                   "no such condition.",
    "call_id": "Id of the call.",
    "staff_id": "Staff id of the person who called.",
    "date": "The day of the call sheet, ISO 8601 (YYYY-MM-DD).",
    "seconds": "How long the call lasted.",
    "effective": "Whether the call counts as effective (60 seconds or more).",
    "outcome": "`interested`, `not_interested`, `no_answer` or `callback`.",
    "product": "Code of the product offered; null when none was named.",
    "calls": "Calls on the day's sheet.",
    "quota": "Effective calls the branch owes that day (0 on a day off).",
    "met": "Whether the branch made its quota of effective calls.",
    "supervisor": "Staff id of the accounting supervisor who signed the day.",
    "president": "Staff id of the branch president who signed the day.",
    # -- operators -------------------------------------------------------------------------
    "operator": "The operator's name.",
    "broker_user": "The operator's broker user, from which services learn the caller.",
    "until": "When the grant expires, ISO 8601; null for no expiry.",
    "revoked": "Whether the grant was revoked.",
    "version": "Orders the changes of one operator (milliseconds since the epoch): keep the newest.",
}

BY_SCHEMA: dict[str, dict[str, str]] = {
    "CampaignCriteria": {"branch": "The campaign's branch: only its customers are listed.",
                         "band": "The service band chosen; null: any.",
                         "intent": "Intent classes chosen (empty: any)."},
    "CampaignCreated": {"title": "The campaign plan's name (as given to `crm campaigns create`).",
                        "owner": "Staff id of the person responsible for the campaign.",
                        "branch": "The campaign's branch."},
    "DaySignedOff": {"branch": "The branch whose day was signed.",
                     "effective": "Effective calls on the day's sheet (60 seconds or more)."},
    "CallLogged": {"customer_id": "The golden customer called (an id, no personal data).",
                   "branch": "The campaign's branch."},
    "Product": {"as_of": "Date the holding refers to, ISO 8601."},
    "ProductHeld": {"as_of": "Date the holding refers to, ISO 8601 (YYYY-MM-DD)."},
    "CustomerIngested": {
        "name": "The customer's normalized name (clear: this event stays inside the pipeline).",
        "birth_date": "Birth date, ISO 8601 (clear: this event stays inside the pipeline).",
        "city": "City of the normalized address.",
        "district": "District of the normalized address.",
        "province": "Province of the normalized address.",
        "postcode": "Postal code of the normalized address.",
        "financials": "The financial figures, typed: amounts as two-place decimal strings.",
        "intent": "What a maintainer learned about the customer's intentions.",
    },
    "Display": {"name": "Masked name (张*)."},
    "Registration": {"source": "Upstream system of the owning registration.",
                     "external_id": "Id of the owning registration in its upstream system."},
    "ErasureRequest": {
        "customer_id": "Golden customer to erase, when the sender knows our id.",
        "source": "The sender's system name, with external_id, when it does not know ours.",
        "external_id": "The record's id in the sender's system.",
        "reason": "Why the erasure is asked for (kept in the audit trail).",
    },
    "CustomerErasureRequested": {
        "customer_id": "Golden customer to erase, when the request named it.",
        "record_id": "Intake record whose customer is to be erased, when the request named one.",
        "reason": "Why the erasure is asked for.",
    },
    "CustomerErased": {"customer_id": "The erased golden customer.",
                       "reason": "Why the erasure was asked for."},
    "CustomerMerged": {"customer_id": "The surviving golden customer.",
                       "record_id": "The intake record whose arrival caused the merge, if any."},
    "CustomerAssigned": {"reason": "Why the maintainer changed (`erased` when the "
                                   "customer's personal data was erased)."},
    "Credit": {"as_of": "Date the credit figures refer to, ISO 8601."},
    "CreditIn": {"as_of": "Date the credit figures refer to, ISO 8601."},
    "RelationTarget": {"source": "Upstream system of the other party's record.",
                       "external_id": "Id of the other party's record in that system.",
                       "uscc": "The other party's unified social credit code.",
                       "national_id": "The other party's national id (blind-indexed at intake, "
                                      "never sent on)."},
    "GroupFigures": {"limit": "The group's credit limit: the configured share of the bank's "
                              "net capital, in yuan."},
    "GroupChanged": {"limit": "The group's credit limit: the configured share of the bank's "
                              "net capital, in yuan."},
    "GroupLimitWarning": {"limit": "The group's credit limit: the configured share of the "
                                   "bank's net capital, in yuan."},
    "OperatorChanged": {"role": "The operator's role: `viewer`, `officer` or `admin`."},
    "NotificationOutcome": {"status": "`sent` or `failed`."},
}


def describe(schema_name: str, field_name: str) -> str | None:
    """The description of `field_name` in the schema class `schema_name`, if any."""
    return BY_SCHEMA.get(schema_name, {}).get(field_name) or FIELDS.get(field_name)
