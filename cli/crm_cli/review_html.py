"""`crm review report --html FILE`: one self-contained page of open reviews (pure).

Like Splink's comparison viewer: per pair the two customers side by side (masked as
dedup answered) and a match-weight waterfall, an SVG bar per comparison starting where
the previous one ended, from the prior to the total, with the review and match
thresholds drawn as lines. Inline CSS and SVG only, no script and no external resource,
so the file opens anywhere (a mail attachment, an air-gapped branch PC) and shows the
same thing. Every value is HTML-escaped: data never becomes markup.
"""
from __future__ import annotations

import math
from html import escape
from typing import Any, Iterable

WIDTH, ROW, LABEL = 640, 22, 170
FIELDS = ("name", "birth_date", "phone", "email", "city", "postcode", "branch", "members",
          "registered_at", "registered_by", "state")
CSS = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} h2{font-size:1.1em;margin-top:2em;border-top:1px solid #ccc;padding-top:1em}
table.pair{border-collapse:collapse;margin:.5em 0} .pair th,.pair td{border:1px solid #ddd;
padding:3px 8px;text-align:left;vertical-align:top} .pair th{background:#f4f4f4}
td.same{background:#e8f5e9} td.differ{background:#fff3e0}
p.why{font-style:italic} svg text{font-size:12px;font-family:inherit}
.pos{fill:#2e7d32} .neg{fill:#c62828} .prior{fill:#757575} .total{fill:#1565c0}
.threshold{stroke:#000;stroke-dasharray:4 3} .axis{stroke:#999}
"""


def _text(value: Any) -> str:
    if value is None or value == []:
        return "–"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def side_by_side(customer: dict, candidate: dict) -> str:
    """The two customers as a table, one row per field; equal cells tinted green."""
    head = (f"<tr><th>field</th><th>customer {escape(_text(customer.get('customer_id')))}</th>"
            f"<th>candidate {escape(_text(candidate.get('customer_id')))}</th></tr>")
    rows = []
    for field in FIELDS:
        a, b = _text(customer.get(field)), _text(candidate.get(field))
        css = "same" if a == b and a != "–" else "differ"
        rows.append(f"<tr><th>{escape(field)}</th><td class='{css}'>{escape(a)}</td>"
                    f"<td class='{css}'>{escape(b)}</td></tr>")
    return f"<table class='pair'>{head}{''.join(rows)}</table>"


def steps(review: dict) -> list[tuple[str, str, float, float]]:
    """The waterfall: (label, css class, start, end) in log2 odds, prior to total."""
    decision = review.get("decision") or {}
    at = float(decision.get("prior") or 0.0)
    out = [("prior", "prior", 0.0, at)]
    for row in review.get("evidence") or []:
        weight = float(row.get("weight") or 0.0)
        level = row.get("level") or (f"{row['similarity']:.2f}" if row.get("similarity")
                                     is not None else "")
        out.append((f"{row['comparison']} {level}".strip(), "pos" if weight >= 0 else "neg",
                    at, at + weight))
        at += weight
    adjustment = float(decision.get("adjustment") or 0.0)
    if adjustment:
        out.append(("rule adjustment", "neg" if adjustment < 0 else "pos", at, at + adjustment))
        at += adjustment
    out.append(("total", "total", 0.0, float(decision.get("total", at))))
    return out


def _bits(probability: float) -> float:
    p = min(max(probability, 1e-9), 1 - 1e-9)
    return math.log2(p / (1 - p))


def waterfall(review: dict) -> str:
    """The match-weight chart of one pair as inline SVG."""
    bars = steps(review)
    thresholds = (review.get("decision") or {}).get("thresholds") or {}
    lines = {name: _bits(float(t)) for name, t in thresholds.items()}
    ends = [v for _, _, s, e in bars for v in (s, e)] + list(lines.values()) + [0.0]
    lo, hi = min(ends) - 1, max(ends) + 1
    scale = (WIDTH - LABEL - 60) / (hi - lo)

    def x(v: float) -> float:
        return round(LABEL + (v - lo) * scale, 1)

    height = ROW * (len(bars) + 2)
    parts = [f"<line class='axis' x1='{x(0)}' x2='{x(0)}' y1='0' y2='{height - ROW}'/>"]
    for i, (label, css, start, end) in enumerate(bars):
        y, left, width = ROW * i + 4, min(x(start), x(end)), max(abs(x(end) - x(start)), 1.5)
        parts.append(f"<text x='4' y='{y + 13}'>{escape(label)}</text>"
                     f"<rect class='bar {css}' data-label='{escape(label)}' "
                     f"data-weight='{end - start:.2f}' x='{left}' y='{y}' width='{width}' "
                     f"height='{ROW - 8}'><title>{escape(label)}: {end - start:+.2f} bits"
                     f"</title></rect>"
                     f"<text x='{max(x(start), x(end)) + 4}' y='{y + 13}'>{end - start:+.2f}</text>")
    for name, bits in lines.items():
        parts.append(f"<line class='threshold' x1='{x(bits)}' x2='{x(bits)}' y1='0' "
                     f"y2='{height - ROW}'/><text x='{x(bits) + 3}' y='{height - 6}'>"
                     f"{escape(name)} {thresholds[name]:g}</text>")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
            f"role='img' aria-label='match weights'>{''.join(parts)}</svg>")


def section(review: dict) -> str:
    decision = review.get("decision") or {}
    head = (f"<h2 id='{escape(str(review['id']))}'>review {escape(str(review['id']))}: "
            f"record {escape(_text(review.get('record_id')))}, branch "
            f"{escape(_text(review.get('branch')))}, score {escape(_text(review.get('score')))}"
            f"</h2><p class='why'>{escape(_text(review.get('why')))}</p>"
            f"<p>opened {escape(_text(review.get('opened_at')))}; "
            f"{escape(_text(decision.get('model')))} parameters, version "
            f"{escape(_text(review.get('params_version')))}</p>")
    chart = waterfall(review) if decision else "<p>no match weights kept</p>"
    return head + side_by_side(review["customer"], review["candidate"]) + chart


def page(reviews: Iterable[dict], title: str = "Open reviews") -> str:
    """The whole report as one HTML document."""
    reviews = list(reviews)
    body = "".join(section(r) for r in reviews) or "<p>no open reviews</p>"
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{escape(title)} ({len(reviews)})</h1>{body}</body></html>")
