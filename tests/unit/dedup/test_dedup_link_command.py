"""`referee dedup link`: the same engine offline, bad rows reported by line and skipped."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from referee_cli.main import app

EXISTING = """id,name,uscc,phone,address,province,city,district,lat,lon,notes
E1,杭州滨江建设有限公司,,0571-88888888,浙江省杭州市滨江区江南大道100号,浙江省,杭州市,,,,ignored
E2,北京市第一人民医院,,,,北京市,,,,,
"""
INCOMING = """id,name,uscc,phone,address,province,city,district,lat,lon
I1,杭州濱江建設股份有限公司,,+86 571 8888 8888,,浙江省,,,,
I2,上海市第一人民医院,,,,上海市,,,,
I3,,,,,,,,,
I4,某某公司,91330106MA27Y5AB3X,,,,,,,
I5,滨江建设,,,,,,,,
I6,某某科技,,,,,,,north,
"""


def test_link_writes_a_row_per_incoming_record_and_reports_bad_rows_by_line(tmp_path: Path) -> None:
    existing, incoming, out = tmp_path / "e.csv", tmp_path / "i.csv", tmp_path / "m.csv"
    existing.write_text(EXISTING, encoding="utf-8")
    incoming.write_text(INCOMING, encoding="utf-8")

    result = CliRunner().invoke(
        app, ["dedup", "link", "--existing", str(existing), "--incoming", str(incoming), "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as written:
        rows = list(csv.DictReader(written))
    assert [(r["incoming_id"], r["existing_id"], r["verdict"]) for r in rows] == [
        ("I1", "E1", "duplicate"),
        ("I2", "", "unique"),
        ("I4", "", "unique"),  # kept: only its mistyped credit code is ignored
        ("I5", "E1", "possible"),
    ]
    assert "phone +5" in rows[0]["reasons"]
    assert "电话相同（+5）" in rows[0]["reasons_zh"] and "phone_same+5" in rows[0]["reason_codes"]
    assert rows[1]["verdict_zh"] == "新客户"
    assert "credit code 91330106MA27Y5AB3X ignored" in rows[2]["notes"]
    assert "i.csv:4: skipped: id and name must not be empty" in result.output
    assert "i.csv:5: kept: credit code 91330106MA27Y5AB3X ignored" in result.output
    assert "i.csv:7: skipped: lat 'north' is not a number" in result.output
