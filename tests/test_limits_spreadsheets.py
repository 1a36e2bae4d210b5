"""The one spreadsheet reader: CSV and XLSX within limits, refused fast, for the import and the CLI."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from sqlalchemy import func, select

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.spreadsheets import SpreadsheetError, TableLimits, read_spreadsheet
from evaluator.tables import read_table

LIMITS = TableLimits(
    max_bytes=20 << 20, max_unzipped=100 << 20, max_rows=10_000, max_columns=200, max_cells=1_000_000
)

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
    b'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    b'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    b'.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    b'sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def workbook(sheet_rows: bytes, extra: dict[str, bytes] | None = None, head: bytes = SHEET_HEAD) -> bytes:
    """A minimal XLSX whose first sheet holds the given <row> elements."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", head + sheet_rows + SHEET_TAIL)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buffer.getvalue()


def cells(row: int, values: list[str]) -> bytes:
    inner = "".join(
        f'<c r="{_letters(i + 1)}{row}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values)
    )
    return f'<row r="{row}">{inner}</row>'.encode()


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def refusal(data: bytes, limits: TableLimits = LIMITS) -> str:
    with pytest.raises(SpreadsheetError) as info:
        read_spreadsheet(data, limits)
    return str(info.value)


def test_a_small_workbook_whose_sheet_unpacks_to_tens_of_mb_is_refused_at_the_row_limit():
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>row %d of a '
        b"large sheet</t></is></c></row>" % (r, r, r * 7919 % 100_003, r, r)
        for r in range(1, 300_001)
    )
    data = workbook(rows)
    assert len(data) < 6 << 20 and len(rows) > 30 << 20  # past the ratio check, tens of MB of XML
    message = refusal(data)
    assert "more than 10000 rows below the header (row 10002" in message


def test_a_workbook_row_wider_than_the_column_limit_is_refused():
    wide = cells(1, ["h"] * 50_000)
    assert "Row 1 has a value in column 201; at most 200 columns are allowed." in refusal(workbook(wide))
    far = b'<row r="1"><c r="XFD1"><v>1</v></c></row>'  # one cell in the last column widens every row
    assert "column 16384" in refusal(workbook(far))


def test_a_workbook_past_the_cell_limit_is_refused():
    rows = b"".join(cells(r, ["1"] * 150) for r in range(1, 100))
    small = TableLimits(**{**LIMITS.__dict__, "max_cells": 10_000})
    assert "more than 10000 cells" in refusal(workbook(rows), small)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: workbook(b"", {"xl/media/big.bin": b"\0" * (50 << 20)}), "compresses more than 200:1"),
        (lambda: workbook(b"", {"../evil.xml": b"<x/>"}), "unsafe member name"),
        (
            lambda: workbook(
                b"",
                head=b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet '
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData>",
            ),
            "document type declaration",
        ),
    ],
)
def test_workbooks_failing_the_zip_and_xml_checks_are_refused(build, words):
    assert words in refusal(build())


def test_an_encrypted_member_is_refused_before_anything_is_unzipped():
    data = bytearray(workbook(cells(1, ["a"])))
    # set the "encrypted" flag of every member in the central directory
    start = data.find(b"PK\x01\x02")
    while start >= 0:
        data[start + 8] |= 1
        start = data.find(b"PK\x01\x02", start + 4)
    assert "encrypted" in refusal(bytes(data))


def test_a_csv_with_thousands_of_columns_is_refused_at_the_header():
    header = ",".join(f"列{i}" for i in range(5000))
    data = (header + "\n" + ",".join("1" * 5000) + "\n").encode("gb18030")
    assert refusal(data) == "Row 1 (the header) has 5000 columns; at most 200 columns are allowed."


def test_a_csv_row_wider_than_its_header_names_the_row():
    data = ("a,b\n1,2\n" + ",".join(["9"] * 4000) + "\n").encode()
    assert refusal(data) == "Row 3 has 4000 cells; at most 200 columns are allowed."
    assert refusal(b"a,b\n1,2,3\n") == "Row 2 has 3 cells but the header row has 2 columns."


def test_a_small_csv_with_one_enormous_row_is_refused_before_it_is_parsed(monkeypatch):
    # 1.6 MB: one row of 800,000 cells under a one-column header (pandas alone takes half a minute)
    data = ("name\n" + "x," * 800_000 + "\n").encode()
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("pandas was asked to parse it"))
    assert refusal(data) == "Row 2 has 800001 cells; at most 200 columns are allowed."


def test_a_header_cell_past_the_field_limit_is_refused_not_skipped():
    data = ('"' + "长" * 200_000 + '"' + ",h" * 600_000 + "\n").encode()
    assert "longer than" in refusal(data) and refusal(data).startswith("Row 1 ")


def test_a_workbook_with_too_many_different_texts_is_refused_before_they_are_read():
    few = TableLimits(**{**LIMITS.__dict__, "max_texts": 50})
    buffer = io.BytesIO()
    pd.DataFrame([["某社区"]], columns=["名称"]).to_excel(buffer, index=False, engine="openpyxl")
    texts = "".join(f"<si><t>社区{i}</t></si>" for i in range(60))
    with zipfile.ZipFile(buffer, "a") as archive:  # the table of texts Excel itself writes
        archive.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main" count="60" uniqueCount="60">{texts}</sst>',
        )
    assert refusal(buffer.getvalue(), few) == "The workbook holds more than 50 different texts."


def test_quoted_commas_are_not_cells():
    text = ",".join(["很长的说明"] * 400)
    frame = read_spreadsheet(f'名称,说明\n某社区,"{text}"\n'.encode(), LIMITS)
    assert frame.shape == (1, 2) and frame.iloc[0, 1] == text


def test_a_csv_past_the_row_or_cell_limit_is_refused():
    data = ("a,b\n" + "1,2\n" * 10_001).encode()
    assert "more than 10000 rows below the header (row 10002" in refusal(data)
    small = TableLimits(**{**LIMITS.__dict__, "max_cells": 100})
    assert "more than 100 cells" in refusal(("a,b\n" + "1,2\n" * 51).encode(), small)


def test_cells_come_out_as_text_in_both_formats():
    frame = pd.DataFrame(
        {
            "id": ["007", "008"],
            "户数": [2000, 2500.5],
            "是否": [True, False],
            "时间": [pd.Timestamp("2026-03-01 09:30"), None],
        }
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    xlsx = read_spreadsheet(buffer.getvalue(), LIMITS)
    assert xlsx.to_dict("list") == {
        "id": ["007", "008"],
        "户数": ["2000", "2500.5"],
        "是否": ["true", "false"],
        "时间": ["2026-03-01 09:30:00", ""],
    }
    csv = read_spreadsheet("id,户数,户数\n007,1,2\n".encode("gb18030"), LIMITS)
    assert list(csv.columns) == ["id", "户数", "户数.1"] and csv.iloc[0].tolist() == ["007", "1", "2"]


def test_the_command_line_reads_gb18030_csv_and_keeps_its_limits(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_bytes("申报编号,专家,指标,得分\nA1,专家甲,p1,8\n\nA2,专家乙,p1,9\n".encode("gb18030"))
    df = read_table(path)
    assert list(df.columns) == ["application_id", "reviewer_id", "indicator_id", "score"]
    assert df["reviewer_id"].tolist() == ["专家甲", "专家乙"]  # the blank line is skipped
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["x"] * 3000) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="at most 2000 columns"):
        read_table(wide)


@pytest.fixture
def open_round(make_round):
    return make_round(title="2026年特色社区（测试）")


def _import(client, rnd, headers, data):
    return client.post(
        f"/api/v1/rounds/{rnd.id}/applications/import",
        headers=headers,
        data={"file": (io.BytesIO(data), "apps.csv")},
        content_type="multipart/form-data",
    )


def test_the_import_refuses_files_past_its_configured_limits(client, app, open_round, make_user, monkeypatch):
    _, admin = make_user("admin")
    wide = (",".join(f"列{i}" for i in range(5000)) + "\n").encode()
    res = _import(client, open_round, admin, wide)
    assert res.status_code == 422
    assert res.json["errors"]["file"] == [
        "Row 1 (the header) has 5000 columns; at most 200 columns are allowed."
    ]
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    rows = ("申报单位名称\n" + "".join(f"社区{i}\n" for i in range(5))).encode()
    res = _import(client, open_round, admin, rows)
    assert res.status_code == 422 and "more than 3 rows" in res.json["message"]
    sheet = workbook(b"".join(cells(r, ["申报单位名称" if r == 1 else f"社区{r}"]) for r in range(1, 50_001)))
    res = _import(client, open_round, admin, sheet)
    assert res.status_code == 422 and "more than 3 rows" in res.json["errors"]["file"][0]
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


@pytest.mark.parametrize("number", ["²", "١٢", "1e3", "12345678"])
def test_a_row_number_that_is_not_plain_digits_is_refused_as_damage(number):
    """Digits of other scripts pass ``str.isdigit`` yet not ``int``: a refusal, never a server error."""
    rows = f'<row r="{number}"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    assert "a row number is not a number" in refusal(workbook(rows))
