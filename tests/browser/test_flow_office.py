"""The provincial office's work in a real browser, in Chinese: a round created from a bundled
criteria set through the form, its criteria tree, its move to the next phase with a reason and the
confirmation; a batch import built from the round's own template (a bad file's problems listed by
row, then a good file checked, confirmed and imported); the applications table filtered and
exported to XLSX and CSV; and a form sent without its CSRF token refused with nothing written."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from evaluator.accounts.models import Organisation
from evaluator.applications.exports import IDENTITY_HEADERS
from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.criteria import load_criteria
from evaluator.rounds.models import Round
from tests.browser.helpers import (
    FC_FIGURES,
    accept_dialogs,
    chinese,
    count_rows,
    fresh,
    path_of,
    signed_in,
    switch_language,
)

pytestmark = pytest.mark.browser

CS = load_criteria("fc-2026")
TITLE = "2026年度省级特色社区评选（浏览器）"
# Two communities the spreadsheet registers, in different cities (for the filter).
PLACES = {
    "芳草社区": {
        "市（州）": "成都市",
        "市（州）代码": "510100",
        "县（市、区）": "武侯区",
        "县（市、区）代码": "510107",
        "街道（乡镇）": "玉林街道",
        "街道（乡镇）代码": "510107001",
    },
    "御营坝社区": {
        "市（州）": "绵阳市",
        "市（州）代码": "510700",
        "县（市、区）": "涪城区",
        "县（市、区）代码": "510703",
        "街道（乡镇）": "城厢街道",
        "街道（乡镇）代码": "510703001",
    },
}


def local(days: int) -> str:
    """A datetime-local input's value ``days`` from now (Beijing time)."""
    return (datetime.now(UTC) + timedelta(days=days, hours=8)).strftime("%Y-%m-%dT%H:%M")


def cell(header: str, name: str, households=None):
    """What a filled-in template row holds under one header: the region, or the figure in the words
    the template asks for (choices by their Chinese names, yes/no as 是/否)."""
    if header == "申报单位名称":
        return name
    if header in PLACES[name]:
        return PLACES[name][header]
    f = next((f for f in CS.fields if header in (f.label, f"{f.label} ({f.key})")), None)
    if f is None or f.key not in FC_FIGURES:
        return None
    value = FC_FIGURES[f.key] if households is None or f.key != "households_resident" else households
    names = {c.value: c.label for c in f.choices}
    if f.type == "bool":
        return "是" if value else "否"
    if f.type == "enum":
        return names[value]
    if f.type == "multi":
        return "；".join(names[v] for v in value)
    return value


def csv_of(headers: list[str], rows: list[list]) -> bytes:
    """Rows as the CSV a spreadsheet saves (UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in r] for r in rows])
    return out.getvalue().encode("utf-8-sig")


def workbook_of(download):
    """A downloaded XLSX opened with openpyxl (the download's file has no extension to go by)."""
    return load_workbook(io.BytesIO(Path(download.path()).read_bytes()))


def check_file(page, path) -> int:
    """Upload a file on the import page for the check (dry run); returns the answer's status."""
    page.set_input_files("#f-file", str(path))
    with page.expect_navigation() as navigation:
        page.locator("#upload-form").get_by_role("button", name="校验文件（暂不导入）").click()
    return navigation.value.status


def test_the_office_creates_a_round_imports_and_exports(page, make_account, tmp_path):
    account = make_account("admin")
    signed_in(page, account)
    accept_dialogs(page)

    # A new round from a bundled criteria set, through the form.
    with page.expect_navigation():
        page.locator("header.site nav").get_by_role("link", name="评审批次").click()
    with page.expect_navigation():
        page.locator("#create-round").click()
    assert path_of(page) == "/office/rounds/new"
    page.get_by_label("名称").fill(TITLE)
    page.get_by_label("内置评审标准").select_option("fc-2026")
    page.get_by_label("开始时间").fill(local(0))
    page.get_by_label("申报截止时间").fill(local(30))
    page.get_by_label("评审截止时间").fill(local(60))
    with page.expect_navigation() as navigation:
        page.locator("#round-form").get_by_role("button", name="创建批次").click()
    assert navigation.value.status == 200
    round_id = int(path_of(page).split("/")[-1])
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("main .notice.success")).to_be_visible()
    rnd = fresh(Round, round_id)
    assert rnd.phase == "draft" and rnd.criteria_id == "fc-2026"
    # Its criteria tree: every section and indicator with its points.
    tree = page.locator("#criteria-tree table.tree tbody tr")
    expect(tree).to_have_count(len(list(n for s in CS.indicators for n in s.walk())))
    first = CS.indicators[0]
    expect(page.locator(f"#node-{first.id}")).to_have_class(re.compile(r"\bsection\b"))
    expect(page.locator(f"#node-{first.id} th")).to_contain_text(first.name)

    # The move to the next phase: refused without the confirmation, then made with a reason.
    advance = page.locator("#advance form")
    advance.get_by_label("理由").fill("材料已齐备，开始接受申报。")
    with page.expect_navigation() as navigation:
        advance.get_by_role("button", name="推进到“申报中”").click()
    assert navigation.value.status == 422
    expect(page.locator("#confirm-errors")).to_be_visible()
    assert chinese(page.locator("#confirm-errors").inner_text())
    assert fresh(Round, round_id).phase == "draft"
    advance.get_by_label("理由").fill("材料已齐备，开始接受申报。")
    advance.get_by_role("checkbox").check()
    with page.expect_navigation() as navigation:
        advance.get_by_role("button", name="推进到“申报中”").click()
    assert navigation.value.status == 200
    expect(page.locator("main .notice.success")).to_be_visible()
    expect(page.locator("#facts")).to_contain_text("申报中")
    assert fresh(Round, round_id).phase == "open"
    moved = [e for e in _events("round.transition") if e.object_id == str(round_id)]
    assert [e.summary for e in moved] == [
        {"from": "draft", "to": "open", "reason": "材料已齐备，开始接受申报。"}
    ]
    assert moved[0].actor_id == account.id

    # The import: the round's template, downloaded and filled in.
    with page.expect_navigation():
        page.locator("header.site nav").get_by_role("link", name="批量导入").click()
    templates = page.locator("#round-templates tr", has_text=TITLE)
    with page.expect_download() as download:
        templates.get_by_role("link", name="Excel（XLSX）").click()
    workbook = workbook_of(download.value)
    sheet = workbook.active
    headers = [c.value for c in sheet[1]]
    assert headers[0] == "申报单位名称" and len(headers) == 8 + len(CS.fields)
    hints = [c.value for c in sheet[2]]

    # First a bad file: one row's households are words. Each problem is listed by row and column.
    bad = tmp_path / "有误的申报表.csv"
    bad.write_bytes(
        csv_of(
            headers,
            [
                hints,
                [cell(h, "芳草社区") for h in headers],
                [cell(h, "御营坝社区", households="三千二百") for h in headers],
            ],
        )
    )
    page.select_option("#f-round_id", str(round_id))
    page.watch.allow(r"/office/import: Failed to load resource: .* status of 422")
    assert check_file(page, bad) == 422
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first.locator("td").nth(0)).to_have_text("4")  # header 1, notes 2, rows 3 and 4
    expect(problems.first.locator("td").nth(1)).to_contain_text("常住户数")
    assert chinese(problems.first.locator("td").nth(2).inner_text())
    expect(page.locator("#confirm-form")).to_have_count(0)
    assert count_rows(Application, round_id=round_id) == 0

    # Then the good file: the check lists the rows, the confirmation imports them all.
    for r, name in enumerate(PLACES, start=3):
        for c, header in enumerate(headers, start=1):
            sheet.cell(row=r, column=c, value=cell(header, name))
    good = tmp_path / "申报表.xlsx"
    workbook.save(good)
    assert check_file(page, good) == 200
    planned = page.locator("#planned-rows tbody tr")
    expect(planned).to_have_count(2)
    expect(planned.nth(0)).to_contain_text("芳草社区")
    expect(planned.nth(1)).to_contain_text("御营坝社区")
    assert count_rows(Application, round_id=round_id) == 0  # nothing written by the check
    with page.expect_navigation():
        page.locator("#confirm-form").get_by_role("button", name="确认导入这 2 份申报").click()
    expect(page.locator("#import-done")).to_be_visible()
    expect(page.locator("#import-done")).to_contain_text("2")
    expect(page.locator("#imported-rows tbody tr")).to_have_count(2)
    assert count_rows(Application, round_id=round_id, status="submitted") == 2
    assert count_rows(Organisation, name="御营坝社区") == 1

    # The applications table, filtered to one city, then exported as XLSX and CSV.
    with page.expect_navigation():
        page.locator("header.site nav").get_by_role("link", name="申报管理").click()
    page.select_option("#f-round", str(round_id))
    page.select_option("#f-city_code", "510100")
    with page.expect_navigation():
        page.locator("#filters").get_by_role("button", name="显示").click()
    rows = page.locator("#applications tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("芳草社区")
    expect(rows.first).to_contain_text("已提交")
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    table = [[c.value for c in r] for r in workbook_of(download.value).active.iter_rows()]
    household_column = next(f"{f.label}（{f.unit}）" for f in CS.fields if f.key == "households_resident")
    assert (
        table[0][:7]
        == list(IDENTITY_HEADERS)
        == ["序号", "单位名称", "所属市州", "区县", "街道", "状态", "提交时间"]
    )
    assert len(table) == 2  # the header and the one row the filter keeps
    assert table[1][:6] == [1, "芳草社区", "成都市", "武侯区", "玉林街道", "已提交"]
    assert table[1][table[0].index(household_column)] == 3200
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == table[0] and len(lines) == 2
    assert lines[1][:6] == ["1", "芳草社区", "成都市", "武侯区", "玉林街道", "已提交"]
    assert lines[1][lines[0].index(household_column)] == "3200"

    # The same table in English, by the header's switch: the same address, filters kept.
    before = path_of(page)
    switch_language(page, "en")
    assert path_of(page) == before
    expect(page.locator("h1")).to_have_text("Applications")
    expect(page.locator("#applications tbody tr")).to_have_count(1)


def _events(prefix: str) -> list[AuditEvent]:
    """The audit events whose action starts with ``prefix``, as the server committed them."""
    from sqlalchemy import select

    from evaluator.extensions import db

    db.session.rollback()
    found = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
        )
    )
    db.session.expunge_all()
    db.session.rollback()
    return found


def test_an_office_form_without_its_csrf_token_is_refused(page, make_account):
    account = make_account("admin")
    signed_in(page, account)
    page.goto("/office/rounds/new")
    page.evaluate("() => document.querySelector('#round-form input[name=csrf_token]').remove()")
    page.get_by_label("名称").fill("没有令牌的批次")
    page.get_by_label("内置评审标准").select_option("fc-2026")
    with page.expect_navigation() as navigation:
        page.locator("#round-form").get_by_role("button", name="创建批次").click()
    assert navigation.value.status == 400
    expect(page.locator("h1")).to_contain_text("400")
    expect(page.locator("main .lead")).to_contain_text("安全")
    expect(page.locator("header.site nav")).to_be_visible()  # still signed in, in the common layout
    assert count_rows(Round) == 0
