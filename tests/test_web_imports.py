"""The office's batch import pages: template, check (dry run) with every problem in a table,
confirmation of the kept file (all rows or none), and the refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from evaluator.accounts.models import Organisation
from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from tests.pages import post
from tests.test_import import HEADERS, csv_bytes, row, xlsx_bytes


@pytest.fixture(autouse=True)
def _pending_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_PENDING_DIR", str(tmp_path / "pending"))


@pytest.fixture
def rnd(make_round):
    return make_round(title="2026年特色社区（测试）")


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Application, Organisation, AuditEvent)
    )


def check(c, rnd, data, filename="apps.csv", **extra):
    return post(
        c,
        "/office/import",
        {"round_id": str(rnd.id), "file": (io.BytesIO(data), filename), **extra},
        content_type="multipart/form-data",
    )


def pending_of(html: str) -> str:
    import re

    found = re.search(r'name="pending" value="([0-9a-f]+)"', html)
    assert found, html[:3000]
    return found.group(1)


def test_the_page_lists_open_rounds_with_templates_and_the_limits(app, page_client, rnd, make_round):
    make_round(phase="draft", title="未开放批次")
    c = page_client("admin")
    res = c.get("/office/import")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert rnd.title in html and "未开放批次" not in html
    assert "at most 5,000 rows" in html and "20 MB" in html
    assert f"/office/import/template?round_id={rnd.id}&amp;format=csv" in html


def test_templates_download_as_xlsx_and_csv(page_client, rnd):
    c = page_client("admin")
    res = c.get(f"/office/import/template?round_id={rnd.id}&format=xlsx")
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in res.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(res.data))
    assert [c.value for c in wb.active[1]][:2] == ["申报单位名称", "市（州）"]
    csv = c.get(f"/office/import/template?round_id={rnd.id}&format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.data.decode("utf-8-sig").startswith("申报单位名称,")
    assert c.get("/office/import/template?round_id=99999").status_code == 404


def test_a_bad_file_lists_every_problem_in_a_table_and_writes_nothing(page_client, rnd):
    c = page_client("admin")
    before = counts()
    data = csv_bytes([row("芳草社区"), row("玉林社区", 户数="many")])
    res = check(c, rnd, data)
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert 'id="problems"' in html and "1 problem(s) in the file; nothing was imported." in html
    assert '<td class="num">3</td>' in html and "<td>户数</td>" in html
    assert 'name="pending"' not in html
    headers = [h for h in HEADERS if h != "户数"]
    res = check(c, rnd, csv_bytes([{k: v for k, v in row("芳草社区").items() if k != "户数"}], headers))
    assert res.status_code == 422 and "户数" in res.get_data(as_text=True)
    assert counts() == before


def test_a_file_that_is_no_spreadsheet_is_refused_beside_the_form(page_client, rnd):
    c = page_client("admin")
    res = check(c, rnd, b"\x00\x01\x02 not a table", filename="x.bin")
    assert res.status_code == 422 and 'id="problems"' in res.get_data(as_text=True)
    res = post(c, "/office/import", {"round_id": str(rnd.id)}, content_type="multipart/form-data")
    assert res.status_code == 422 and "Choose the filled-in XLSX or CSV file." in res.get_data(as_text=True)


def test_a_good_file_is_checked_then_imported_on_confirmation(page_client, rnd, make_org):
    make_org(name="玉林社区")
    c = page_client("admin")
    data = xlsx_bytes([row("玉林社区"), row("芳草社区", 户数="9000")])
    before = counts()
    res = check(c, rnd, data, filename="apps.xlsx")
    html = res.get_data(as_text=True)
    assert res.status_code == 200, html[:3000]
    assert 'id="planned-rows"' in html and "芳草社区" in html and "Yes, it will be registered" in html
    assert "No, already registered" in html
    assert counts() == before  # the check writes nothing
    token = pending_of(html)
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": token})
    html = res.get_data(as_text=True)
    assert res.status_code == 200, html[:3000]
    assert "2 applications were imported" in html and 'id="imported-rows"' in html
    apps = db.session.scalars(select(Application)).all()
    assert len(apps) == 2 and {a.status for a in apps} == {"submitted"}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "application.imported")).all()
    assert len(events) == 2 and all(e.actor_id == c.user.id for e in events)
    # the kept file is gone: confirming again imports nothing more
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": token})
    assert res.status_code == 422
    assert len(db.session.scalars(select(Application)).all()) == 2


def _checked(c, rnd):
    res = check(c, rnd, csv_bytes([row("芳草社区")]))
    assert res.status_code == 200, res.get_data(as_text=True)[:2000]
    return pending_of(res.get_data(as_text=True))


def test_a_tampered_kept_file_is_refused(app, page_client, rnd):
    c = page_client("admin")
    token = _checked(c, rnd)
    kept = Path(app.config["IMPORT_PENDING_DIR"]) / f"{token}.upload"
    kept.write_bytes(csv_bytes([row("芳草社区"), row("别的社区")]))
    before = counts()
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": token})
    assert res.status_code == 422 and "no longer matches" in res.get_data(as_text=True)
    assert counts() == before and not kept.exists()


def test_an_expired_kept_file_is_refused(app, page_client, rnd, monkeypatch):
    c = page_client("admin")
    token = _checked(c, rnd)
    monkeypatch.setitem(app.config, "IMPORT_PENDING_MINUTES", 0)
    before = counts()
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": token})
    assert res.status_code == 422 and "has expired" in res.get_data(as_text=True)
    assert counts() == before


def test_another_users_or_a_guessed_pending_file_is_refused(page_client, rnd, make_round):
    second = make_round(title="另一批次")
    owner = page_client("admin")
    token = _checked(owner, rnd)
    other = page_client("admin")
    before = counts()
    res = post(other, "/office/import/confirm", {"round_id": str(rnd.id), "pending": token})
    assert res.status_code == 422 and "No checked file is waiting" in res.get_data(as_text=True)
    res = post(owner, "/office/import/confirm", {"round_id": str(second.id), "pending": token})
    assert res.status_code == 422
    res = post(owner, "/office/import/confirm", {"round_id": str(rnd.id), "pending": "../../etc/passwd"})
    assert res.status_code == 422
    res = post(owner, "/office/import/confirm", {"round_id": str(rnd.id), "pending": token})
    assert res.status_code == 422  # a refused confirmation drops the kept file
    assert counts() == before


@pytest.mark.parametrize("role", ["reviewer", "applicant"])
def test_only_the_office_may_import(page_client, rnd, role):
    c = page_client(role)
    assert c.get("/office/import").status_code == 403
    assert c.get(f"/office/import/template?round_id={rnd.id}").status_code == 403
    assert check(c, rnd, csv_bytes([row("芳草社区")])).status_code == 403


def test_anonymous_readers_are_sent_to_sign_in_and_csrf_is_checked(client, page_client, rnd):
    res = client.get("/office/import")
    assert res.status_code == 302 and res.location.startswith("/sign-in")
    c = page_client("admin")
    before = counts()
    res = c.post(
        "/office/import",
        data={"round_id": str(rnd.id), "file": (io.BytesIO(b"x"), "a.csv")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 400
    assert c.post("/office/import/confirm", data={"round_id": str(rnd.id)}).status_code == 400
    assert counts() == before
