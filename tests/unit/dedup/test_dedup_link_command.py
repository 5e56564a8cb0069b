"""`referee dedup link`: the same engine offline, bad rows reported by line and skipped."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
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
    assert "电话相同（+5）" in rows[0]["reasons_zh"]
    assert "phone_same+5" in rows[0]["reason_codes"]
    assert rows[1]["verdict_zh"] == "新客户"
    assert "credit code 91330106MA27Y5AB3X ignored" in rows[2]["notes"]
    assert "i.csv:4: skipped: id and name must not be empty" in result.output
    assert "i.csv:5: kept: credit code 91330106MA27Y5AB3X ignored" in result.output
    assert "i.csv:7: skipped: lat 'north' is not a number" in result.output


def test_link_summarises_verdicts_and_writes_xlsx_or_csv_with_a_bom(tmp_path: Path) -> None:
    existing, incoming = tmp_path / "e.csv", tmp_path / "i.csv"
    existing.write_text(EXISTING, encoding="utf-8")
    incoming.write_text(INCOMING, encoding="utf-8")
    base = ["dedup", "link", "--existing", str(existing), "--incoming", str(incoming)]

    as_csv = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "m.csv"), "--bom"])
    as_xlsx = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "m.xlsx")])

    assert as_csv.exit_code == 0, as_csv.output
    assert (tmp_path / "m.csv").read_bytes().startswith(b"\xef\xbb\xbfincoming_id,")
    assert "duplicate  重复" in as_csv.output
    assert "2 rows skipped, 1 rows kept with a field ignored" in as_csv.output
    assert "linking incoming customers" in as_csv.output
    assert as_xlsx.exit_code == 0, as_xlsx.output
    sheet = load_workbook(tmp_path / "m.xlsx", read_only=True)["links"]
    table = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][:4] == ("incoming_id", "existing_id", "verdict", "verdict_zh")
    assert [(r[0], r[2]) for r in table[1:]] == [
        ("I1", "duplicate"),
        ("I2", "unique"),
        ("I4", "unique"),
        ("I5", "possible"),
    ]


def test_saved_profiles_are_loaded_instead_of_normalised_until_the_file_changes(tmp_path: Path) -> None:
    existing, incoming, saved = tmp_path / "e.csv", tmp_path / "i.csv", tmp_path / "e.profiles"
    existing.write_text(EXISTING, encoding="utf-8")
    incoming.write_text(INCOMING, encoding="utf-8")
    base = ["dedup", "link", "--existing", str(existing), "--incoming", str(incoming), "--profiles", str(saved)]

    first = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "1.csv")])
    second = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "2.csv")])
    existing.write_text(EXISTING.replace("E2,", "E3,"), encoding="utf-8")
    third = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "3.csv")])

    assert "(normalised)" in first.output
    assert f"(loaded from {saved})" in second.output
    assert (tmp_path / "1.csv").read_text(encoding="utf-8") == (tmp_path / "2.csv").read_text(encoding="utf-8")
    assert "(normalised)" in third.output
