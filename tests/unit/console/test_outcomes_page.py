"""The channel manager's outcomes page: the registration service's figures as a table, SVG bars and
CSV/xlsx downloads; refused to a partner."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from referee_console.app import create_app
from referee_console.outcome_charts import rate_bars
from referee_console.settings import ConsoleSettings

REPORT = {
    "group_by": "partner",
    "period": "all",
    "measures": ["decided", "disputes_opened"],
    "figures": ["conflict_rate", "reviewer_on_time_rate"],
    "rows": [
        {
            "period": "2026-09-05..2026-12-03",
            "group": "dealer-hangzhou",
            "side": None,
            "counts": {"decided": 4, "disputes_opened": 1},
            "figures": {"conflict_rate": "0.2500", "reviewer_on_time_rate": None},
        },
        {
            "period": "2026-09-05..2026-12-03",
            "group": "<script>",
            "side": None,
            "counts": {"decided": 1, "disputes_opened": 0},
            "figures": {"conflict_rate": "1.0000", "reviewer_on_time_rate": "0.5000"},
        },
    ],
}


class FiguresOnly:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, dict[str, Any]]] = []

    async def get(self, _user: Any, service: str, path: str, **params: Any) -> Any:
        self.asked.append((service, path, params))
        return REPORT

    async def close(self) -> None:
        return None


def test_rates_are_drawn_as_percent_bars_and_labels_are_escaped() -> None:
    svg = rate_bars([("dealer-a", None), ("<b>", None)])
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    assert ">25.0%<" in rate_bars([("dealer-a", Decimal("0.25"))])


def test_the_manager_sees_the_figures_and_downloads_them_a_partner_is_refused(tmp_path: Path) -> None:
    with TestClient(create_app(ConsoleSettings(data_dir=tmp_path, demo_users=True))) as client:
        fake = FiguresOnly()
        client.app.state.console.services = fake  # type: ignore[attr-defined]
        client.post("/login", data={"username": "manager", "password": "referee"})
        page = client.get("/manager/outcomes", params={"group_by": "region", "split_at": "2026-11-01"})
        csv = client.get("/manager/outcomes.csv")
        xlsx = client.get("/manager/outcomes.xlsx")
        client.post("/logout")
        client.post("/login", data={"username": "hangzhou", "password": "referee"}, follow_redirects=False)
        refused = client.get("/manager/outcomes")

    assert page.status_code == 200
    assert "冲突率" in page.text
    assert "25.0%" in page.text
    assert "<svg" in page.text
    assert "<script>" not in page.text
    asked = {"group_by": "region", "period": "all", "split_at": "2026-11-01"}
    assert ("registration", "/figures", asked) in fake.asked  # the manager's home asked for the funnel first
    assert csv.content.startswith("\ufeffperiod,partner,side,decided".encode())
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[2]][:4] == ["2026-09-05..2026-12-03", "dealer-hangzhou", None, 4]
    assert refused.status_code == 403
