"""Organisations, relations between parties and credit: the contract parts that group
customers are built from (domain.md §8, issue 19).

Intake side (as upstream sends it): `organization` {uscc, legal_representative, industry},
`relations` [{type, kinship_degree, share, target}] and `credit` {limit, outstanding, as_of}.
Pipeline side (customer.ingested, the golden customer of dedup's events): the same, typed,
with every relation target reduced to one *party key* and every record carrying the keys
it can be named by, so the groups service links parties without reading another
service's database and without a raw national id on the bus.

Party keys (one string each):
* ``rec:<source>:<external_id>`` - a record of an upstream system;
* ``uscc:<code>``                - an organisation's unified social credit code (valid only);
* ``nid:<blind index>``          - a person's national id, as its keyed blind index.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .values import Amount

RELATION_TYPES = ("controls", "controlled_by", "key_person", "investor", "relative_of")
KINSHIP_LINES = ("spouse", "lineal", "collateral")
_AMOUNT_IN = ("yuan: a number, or text as typed in a spreadsheet ('1,234,567.89', '12.5万'); "
              "a value that is no amount is kept as a quality issue")


def _loose(types: list[str], description: str) -> fields.Raw:
    return fields.Raw(allow_none=True, metadata={"type": types, "description": description})


class Organization(Schema):
    """An organisation's registration data (kind `organization`). In events the USCC is
    there only when its check character is right and the legal representative is masked."""
    class Meta:
        unknown = EXCLUDE
    uscc = fields.String(allow_none=True)
    legal_representative = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)


class Kinship(Schema):
    """How close two relatives are: `lineal` generations (parent 1, grandparent 2 ...),
    `collateral` degree (sibling 2 in the civil count used here: sibling 1, cousin 2 ...),
    or `spouse`."""
    class Meta:
        unknown = EXCLUDE
    line = fields.String(required=True, validate=validate.OneOf(KINSHIP_LINES))
    degree = fields.Integer(load_default=1, validate=validate.Range(min=0, max=20))


class RelationTarget(Schema):
    """The other party: by its upstream record, by USCC or by national id."""
    class Meta:
        unknown = EXCLUDE
    source = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    uscc = fields.String(allow_none=True)
    national_id = fields.String(allow_none=True)

    @validates_schema
    def _names_a_party(self, data: dict, **kwargs) -> None:
        if not ((data.get("source") and data.get("external_id")) or data.get("uscc")
                or data.get("national_id")):
            raise ValidationError("give source and external_id, uscc or national_id")


class Relation(Schema):
    """`<this record> <type> <target>`: e.g. this record controls the target."""
    class Meta:
        unknown = EXCLUDE
    type = fields.String(required=True, validate=validate.OneOf(RELATION_TYPES))
    kinship_degree = fields.Nested(Kinship, allow_none=True)
    share = _loose(["number", "string", "null"],
                   "equity share held, 0-1 (or a percentage text such as '60%')")
    target = fields.Nested(RelationTarget, required=True)


class CreditIn(Schema):
    """The bank's credit to the customer, as upstream sends it."""
    class Meta:
        unknown = EXCLUDE
    limit = _loose(["number", "string", "null"], _AMOUNT_IN)
    outstanding = _loose(["number", "string", "null"], _AMOUNT_IN)
    as_of = fields.String(allow_none=True)


class RelationOut(Schema):
    """A relation as it travels in events: its target reduced to a party key."""
    class Meta:
        unknown = EXCLUDE
    type = fields.String(required=True, validate=validate.OneOf(RELATION_TYPES))
    kinship_degree = fields.Nested(Kinship, allow_none=True)
    share = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1))
    target_key = fields.String(required=True)


class Credit(Schema):
    """Credit typed: amounts as two-place decimal strings."""
    class Meta:
        unknown = EXCLUDE
    limit = Amount(allow_none=True)
    outstanding = Amount(allow_none=True)
    as_of = fields.String(allow_none=True)
