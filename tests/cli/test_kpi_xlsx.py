"""`crm kpi --xlsx`: the rows in a workbook, columns as the issue names them, amounts as text."""
from __future__ import annotations

from openpyxl import load_workbook

from crm_cli.kpi import columns, write_xlsx

ROW = {"branch": "B1", "maintainer_id": "M1", "maintained_start": 2, "maintained_end": 3,
       "churned": 1, "churn_rate": 0.5, "upgraded": 1, "upgrade_rate": 0.5,
       "products_held": 6, "product_coverage": 2.0, "with_min_products": 2,
       "customers_won": 1, "customer_growth": 1, "assets_start": "260000.00",
       "assets_end": "610000.00", "asset_growth": "350000.00", "mid_high_grown": 1}


def test_workbook_holds_the_rows_under_the_issue_column_names(tmp_path):
    path = tmp_path / "kpi.xlsx"
    write_xlsx(str(path), [ROW], columns("maintainer"), "KPI 2026Q4 by maintainer")
    sheet = load_workbook(path).active
    header, values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header[:2] == ["branch", "maintainer_id"] and "mid_high_grown" in header
    assert dict(zip(header, values)) == {k: ROW[k] for k in header}
    assert columns("branch")[0] == "branch" and "maintainer_id" not in columns("branch")
