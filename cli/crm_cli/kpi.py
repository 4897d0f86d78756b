"""`crm kpi`: the maintenance indicators (keep, win, dig, grab, cultivate) of a period.

The reporting service computes them (docs/kpi.md); this prints them as a table, JSON
lines (`--json`) or a workbook (`--xlsx FILE`, one sheet, the same columns).
"""
from __future__ import annotations

from .client import rpc
from .listing import add_options, show
from .parsers import command

COLUMNS = ["branch", "maintained_start", "maintained_end", "churned", "churn_rate",
           "upgraded", "upgrade_rate", "products_held", "product_coverage",
           "with_min_products", "customers_won", "customer_growth", "assets_start",
           "assets_end", "asset_growth", "mid_high_grown"]


def columns(by: str) -> list[str]:
    return (["branch", "maintainer_id", *COLUMNS[1:]] if by == "maintainer" else COLUMNS)


def write_xlsx(path: str, rows: list[dict], names: list[str], title: str) -> None:
    """One sheet with a header row; amounts stay decimal text, never floats."""
    from openpyxl import Workbook  # imported lazily: only --xlsx needs it
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(names)
    for row in rows:
        sheet.append([row.get(name) for name in names])
    book.save(path)


def kpi(args) -> int:
    with rpc(timeout=300) as proxy:  # a bad period comes back as the service's ValueError
        result = proxy.reporting.kpi(args.period, args.by, args.branch, args.recompute)
    rows, names = result["rows"], columns(args.by)
    if args.xlsx:
        write_xlsx(args.xlsx, rows, names, f"KPI {result['period']} by {args.by}")
    if not args.json:
        state = "closed, figures kept" if result["closed"] else "open"
        print(f"maintenance KPIs {result['period']} by {args.by} ({state})")
    show(rows, args, None if args.json else names, what=f"{args.by} rows")
    return 0


def add_parsers(sub) -> None:
    p = command(sub, "kpi", "maintenance KPIs per branch or maintainer for a period",
                "crm kpi --period 2026Q4 --by branch",
                "crm kpi --period 2026-11 --by maintainer --branch BJ01 --json",
                "crm kpi --period 2026 --by branch --xlsx kpi-2026.xlsx")
    p.add_argument("--period", required=True,
                   help="a quarter (2026Q4), a month (2026-11) or a year (2026)")
    p.add_argument("--by", choices=["branch", "maintainer"], default="branch",
                   help="one row per branch (default) or per maintainer")
    p.add_argument("--branch", help="only this branch")
    add_options(p, default=None, what="branch or maintainer rows")
    p.add_argument("--xlsx", metavar="FILE", help="also write the rows to this workbook")
    p.add_argument("--recompute", action="store_true",
                   help="a closed period: compute again from the whole history (late data, "
                        "merges and erasures since) and keep the new figures")
    p.set_defaults(func=kpi)
