"""The pages attacked with hostile data: HTML in names, titles, criteria labels, filenames and import
rows (always shown escaped, no inline script or style anywhere), the security headers on every kind
of answer, hostile uploads and imports, formula injection in the exports, and edits that race."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application, Material
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.models import Round
from tests.pages import post, versioned
from tests.test_materials import PDF_BYTES, bomb_docx
from tests.test_web_hostile import page_post_rules

MINI = Path(__file__).parent / "data" / "mini.yaml"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'><svg onload=alert(2)>'
RAW_MARKERS = ("<script>alert", "<img src=x", "<svg onload")
FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1)",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "\t=1",
    " =1",
    '=HYPERLINK("http://evil.example","x")',
    "=cmd|' /C calc'!A0",
    "\r=1",
    "\n=1",
]


@pytest.fixture(autouse=True)
def _isolated(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))
    monkeypatch.setitem(app.config, "IMPORT_PENDING_DIR", str(tmp_path / "pending"))


class Scan(HTMLParser):
    """Collects what the pages' CSP forbids: inline script, style attributes and blocks, handlers,
    ``javascript:`` URLs; and any element the hostile data would have smuggled in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        if tag in ("img", "svg") and (names.get("src") == "x" or "onload" in names):
            self.problems.append(f"smuggled <{tag}>")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if (
                name in ("href", "src", "action", "formaction")
                and value
                and value.strip().lower().startswith(("javascript:", "data:text"))
            ):
                self.problems.append(f"{name}={value[:30]} on <{tag}>")

    handle_startendtag = handle_starttag


def scan(html: str) -> list[str]:
    parser = Scan()
    parser.feed(html)
    return parser.problems


def mini_with_labels(label: str) -> bytes:
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw["title"] = raw["title_en"] = label[:100]
    for f in raw["fields"]:
        if f["key"] in ("households", "theme"):
            f["label"] = f["label_en"] = label[:60]
    raw["materials"][0]["name"] = raw["materials"][0]["name_en"] = label[:60]
    raw["indicators"][0]["name"] = raw["indicators"][0]["name_en"] = label[:60]
    return yaml.safe_dump(raw, allow_unicode=True).encode()


@pytest.fixture
def hostile(app, page_client, make_org, make_round, worlds):
    """A populated database full of hostile text: organisations, accounts, a round, an application
    with a hostile text figure and material, audit events about all of them. Built once for the
    module, written back for each test (tests/worlds.py)."""
    from evaluator.rounds.service import round_criteria

    def build():
        admin = page_client("admin")
        res = post(
            admin,
            "/office/rounds/new",
            {
                "title": "2026年恶意批次",
                "criteria_yaml": (io.BytesIO(mini_with_labels(XSS)), "x.yaml"),
                "notice_days": "7",
            },
            content_type="multipart/form-data",
        )
        assert res.status_code in (303, 422), res.status_code
        labelled = db.session.scalar(select(Round).where(Round.title == "2026年恶意批次"))
        rnd = make_round(title=XSS[:100])
        org = make_org(name=XSS[:150], city=XSS[:40], county=XSS[:40], subdistrict=XSS[:40])
        applicant = page_client("applicant", organisation=org)
        u = db.session.get(User, applicant.user.id)
        u.display_name, u.affiliation = XSS[:80], XSS[:100]
        db.session.commit()
        res = post(applicant, f"/applicant/rounds/{rnd.id}/start")
        assert res.status_code == 303, res.get_data(as_text=True)[:2000]
        application = db.session.scalar(select(Application).where(Application.organisation_id == org.id))
        cs = round_criteria(rnd)
        form = {
            "figures.category": "urban",
            "figures.households": "10",
            "figures.residents": "20",
            "figures.satisfaction": "90",
            "figures.incident": "no",
            "figures.theme": XSS,
        }
        assert [f for f in cs.fields if f.key == "theme"]
        res = post(applicant, f"/applicant/applications/{application.id}", versioned(application, form))
        assert res.status_code in (303, 422), res.status_code
        res = post(
            applicant,
            f"/applicant/applications/{application.id}/materials",
            {"file": (io.BytesIO(PDF_BYTES), XSS + ".pdf")},
            content_type="multipart/form-data",
        )
        assert res.status_code == 303, res.get_data(as_text=True)[:2000]
        material = db.session.scalar(select(Material).where(Material.application_id == application.id))

        class H:
            pass

        h = H()
        h.admin, h.applicant, h.round, h.labelled, h.org, h.application, h.material = (
            admin,
            applicant,
            rnd,
            labelled,
            org,
            application,
            material,
        )
        h.reviewer = page_client("reviewer")
        db.session.get(User, h.reviewer.user.id).display_name = XSS[:80]
        db.session.commit()
        return h

    return worlds.reuse("hostile", build, folders=["MATERIALS_DIR", "IMPORT_PENDING_DIR"])


def every_get_url(app, h) -> list[str]:
    ids = {
        "application_id": h.application.id,
        "material_id": h.material.id,
        "round_id": h.round.id,
        "user_id": h.applicant.user.id,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api", "/static")) or "GET" not in rule.methods:
            continue
        url = rule.rule
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value))
        urls.append(url)
    rid = h.round.id
    urls += [
        f"/office/?round={rid}",
        f"/office/applications?round={rid}",
        "/office/accounts?view=organisations",
        f"/office/accounts/users/{h.reviewer.user.id}",
        "/office/accounts?q=%3Cscript",
        "/office/audit?action=%3Cscript%3E",
        f"/office/applications?round={rid}&q=%3Cscript%3E",
        "/office/accounts/users/new?org_q=%3Cscript%3E",
    ]
    if h.labelled is not None:
        urls += [f"/office/rounds/{h.labelled.id}", f"/office/rounds/{h.labelled.id}/edit"]
    return urls


# --------------------------------------------------------------------------- XSS and inline code


def test_hostile_text_is_escaped_on_every_page(app, hostile):
    seen = 0
    for c in (hostile.admin, hostile.applicant, hostile.reviewer):
        for url in every_get_url(app, hostile):
            res = c.get(url)
            if res.mimetype != "text/html":
                res.close()
                continue
            html = res.get_data(as_text=True)
            assert res.status_code < 500, (url, res.status_code)
            for marker in RAW_MARKERS:
                assert marker not in html, (c.user.role, url, marker)
            seen += "&lt;script&gt;" in html
    assert seen > 5  # the hostile text was really shown (escaped) on many pages


def test_no_page_has_inline_script_style_or_handlers(app, hostile):
    for c in (hostile.admin, hostile.applicant, hostile.reviewer):
        for url in every_get_url(app, hostile):
            res = c.get(url)
            if res.mimetype == "text/html":
                assert scan(res.get_data(as_text=True)) == [], (c.user.role, url)
            res.close()


def test_the_forms_refused_and_the_error_pages_have_no_inline_code(app, hostile, client):
    pages = [
        post(hostile.admin, "/office/rounds/new", {"title": XSS}),
        post(hostile.admin, "/office/accounts/users/new", {"username": XSS, "display_name": XSS}),
        post(hostile.admin, "/office/accounts/organisations/new", {"name": XSS}),
        post(
            hostile.applicant,
            f"/applicant/applications/{hostile.application.id}",
            {"figures.households": XSS},
        ),
        client.get("/nowhere"),
        client.post("/sign-in", data={"username": XSS}),
        hostile.admin.get("/office/audit?since=" + XSS),
    ]
    for res in pages:
        html = res.get_data(as_text=True)
        assert not any(m in html for m in RAW_MARKERS), res.status_code
        assert scan(html) == [], res.status_code


def test_the_svg_chart_escapes_hostile_city_names(hostile):
    db.session.get(Application, hostile.application.id).status = "submitted"
    db.session.commit()
    html = hostile.admin.get("/office/").get_data(as_text=True)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "&lt;script&gt;" in svg and "<script" not in svg
    assert "onload" not in svg.replace("&lt;svg onload", "")
    assert "style=" not in svg


def test_the_uploaded_criteria_labels_are_escaped(hostile):
    assert hostile.labelled is not None, "the criteria file with hostile labels was refused"
    for url in (f"/office/rounds/{hostile.labelled.id}", "/office/rounds"):
        html = hostile.admin.get(url).get_data(as_text=True)
        assert not any(m in html for m in RAW_MARKERS), url


def test_the_import_check_escapes_row_values_and_the_filename(hostile):
    from tests.test_import import csv_bytes, row

    data = csv_bytes([row(XSS[:150])])
    res = post(
        hostile.admin,
        "/office/import",
        {"round_id": str(hostile.round.id), "file": (io.BytesIO(data), XSS + ".csv")},
        content_type="multipart/form-data",
    )
    html = res.get_data(as_text=True)
    assert res.status_code in (200, 422)
    assert not any(m in html for m in RAW_MARKERS)
    assert scan(html) == []


def test_the_download_of_a_hostile_filename_has_a_clean_header(hostile):
    res = hostile.applicant.get(f"/applicant/materials/{hostile.material.id}")
    disposition = res.headers["Content-Disposition"]
    res.close()
    assert res.status_code == 200
    assert "\r" not in disposition and "\n" not in disposition and "<" not in disposition.split(";")[1]
    assert res.headers["Content-Security-Policy"].startswith("default-src 'none'")


# --------------------------------------------------------------------------- headers


def _csp_ok(res):
    csp = res.headers.get("Content-Security-Policy", "")
    return "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_every_kind_of_answer_carries_the_pages_csp(app, hostile, client, monkeypatch):
    answers = {
        "200": hostile.admin.get("/office/"),
        "302 anonymous": client.get("/office/"),
        "302 sign-in": client.get("/"),
        "303 after a form": post(
            hostile.applicant,
            f"/applicant/applications/{hostile.application.id}/self-assessment",
            {"version": hostile.application.version},
        ),
        "403": hostile.applicant.get("/office/"),
        "404": client.get("/nowhere"),
        "405": hostile.admin.delete("/office/", headers={"X-CSRFToken": hostile.admin.csrf}),
        "400 csrf": client.post("/language", data={"language": "en"}),
        "422": post(hostile.admin, "/office/rounds/new", {"title": ""}),
    }
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    answers["413"] = post(
        hostile.applicant,
        f"/applicant/applications/{hostile.application.id}/materials",
        {"file": (io.BytesIO(b"%PDF-" + b"0" * 5000), "big.pdf")},
        content_type="multipart/form-data",
    )
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "office.rounds", boom)
    answers["500"] = hostile.admin.get("/office/rounds")
    for name, res in answers.items():
        assert res.status_code == int(name[:3]), (name, res.status_code)
        assert _csp_ok(res), name
        assert res.headers.get("X-Frame-Options") == "DENY", name
        assert res.headers.get("X-Content-Type-Options") == "nosniff", name
        if res.mimetype == "text/html" and res.status_code >= 400:
            html = res.get_data(as_text=True)
            assert "Traceback" not in html and "boom" not in html and scan(html) == [], name


def test_the_rate_limited_sign_in_page_carries_the_csp(app, client):
    from tests.pages import csrf_token

    token = csrf_token(client)
    res = None
    for _ in range(30):
        res = client.post("/sign-in", data={"username": "nobody", "password": "x", "csrf_token": token})
        if res.status_code == 429:
            break
    assert res.status_code == 429
    assert _csp_ok(res) and scan(res.get_data(as_text=True)) == []


def test_signed_in_pages_are_not_cached(app, hostile):
    for url in ("/office/", f"/office/applications/{hostile.application.id}", "/office/accounts"):
        assert "no-store" in hostile.admin.get(url).headers.get("Cache-Control", ""), url
    res = hostile.admin.get(f"/office/applications/export?round={hostile.round.id}&format=csv")
    assert "no-store" in res.headers.get("Cache-Control", "")


# --------------------------------------------------------------------------- uploads


def _upload(c, application, data, filename, json=False):
    return post(
        c,
        f"/applicant/applications/{application.id}/materials",
        {"file": (io.BytesIO(data), filename)},
        headers={"Accept": "application/json"} if json else {},
        content_type="multipart/form-data",
    )


def test_an_oversize_upload_is_the_413_page_not_a_traceback(app, hostile, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    res = _upload(hostile.applicant, hostile.application, b"%PDF-" + b"0" * 20_000, "big.pdf")
    assert res.status_code == 413
    html = res.get_data(as_text=True)
    assert "Traceback" not in html and "Upload too large" in html


def test_an_oversize_upload_from_the_script_gets_json(app, hostile, monkeypatch):
    """The upload script reads JSON; on an HTML answer it posts the whole file again (form.submit)."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    res = _upload(hostile.applicant, hostile.application, b"%PDF-" + b"0" * 20_000, "big.pdf", json=True)
    assert res.status_code == 413
    assert res.mimetype == "application/json" and res.json.get("message")


def test_the_csrf_refusal_of_the_script_upload_gets_json(hostile):
    res = hostile.applicant.post(
        f"/applicant/applications/{hostile.application.id}/materials",
        data={"file": (io.BytesIO(PDF_BYTES), "a.pdf")},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert res.status_code == 400
    assert res.mimetype == "application/json"


def test_a_zip_bomb_docx_is_refused_on_the_page(app, hostile, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UNZIPPED_MB", 5)
    before = db.session.scalar(select(func.count()).select_from(Material))
    res = _upload(hostile.applicant, hostile.application, bomb_docx(64 * 1024 * 1024), "bomb.docx")
    assert res.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Material)) == before


@pytest.mark.parametrize(
    "name",
    [
        "../../x.pdf",
        "..\\..\\x.pdf",
        "/etc/passwd",
        "C:\\Windows\\x.pdf",
        "a\r\nSet-Cookie: x=1.pdf",
        "report\u202egpj.pdf",
        "\x00.pdf",
        "." * 300,
        "CON.pdf",
        "<b>.pdf",
    ],
)
def test_a_hostile_filename_is_made_harmless(app, hostile, name, tmp_path):
    before = db.session.scalar(select(func.count()).select_from(Material))
    res = _upload(hostile.applicant, hostile.application, PDF_BYTES, name)
    assert res.status_code in (303, 422), (name, res.status_code)
    if res.status_code == 422:  # refused: then nothing is stored
        assert db.session.scalar(select(func.count()).select_from(Material)) == before
        return
    material = db.session.scalars(select(Material).order_by(Material.id.desc())).first()
    stored = material.filename
    assert "/" not in stored and "\\" not in stored and "\r" not in stored and "\n" not in stored
    assert "\u202e" not in stored and "\x00" not in stored and stored.endswith(".pdf") and ".." not in stored
    page = hostile.applicant.get(f"/applicant/applications/{hostile.application.id}/materials")
    assert "<b>.pdf" not in page.get_data(as_text=True)
    dl = hostile.applicant.get(f"/applicant/materials/{material.id}")
    header = dl.headers["Content-Disposition"]
    dl.close()
    assert (
        "\r" not in header
        and "\n" not in header
        and "Set-Cookie" not in str(dl.headers).replace("Set-Cookie: session", "")
    )


def test_many_uploads_are_bounded(app, hostile, monkeypatch):
    """An applicant cannot fill the disk: past the caps on files and on their total size, more are
    refused with the reason."""
    held = db.session.scalar(
        select(func.count()).select_from(Material).where(Material.application_id == hostile.application.id)
    )
    monkeypatch.setitem(app.config, "MAX_MATERIALS", 5)
    statuses = [
        _upload(
            hostile.applicant, hostile.application, PDF_BYTES + f"% {k}\n".encode(), f"{k}.pdf"
        ).status_code
        for k in range(6 - held)
    ]
    assert statuses == [303] * (5 - held) + [422], statuses
    res = _upload(hostile.applicant, hostile.application, PDF_BYTES + b"% more\n", "more.pdf")
    assert "at most 5 files" in res.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_MATERIALS", 200)
    monkeypatch.setitem(app.config, "MAX_MATERIALS_MB", 0)
    res = _upload(hostile.applicant, hostile.application, PDF_BYTES + b"% big\n", "big.pdf")
    assert res.status_code == 422 and "at most 0 MB together" in res.get_data(as_text=True)


# --------------------------------------------------------------------------- imports


def _check(c, rnd, data, filename="apps.csv"):
    return post(
        c,
        "/office/import",
        {"round_id": str(rnd.id), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _pending(html):
    found = re.search(r'name="pending" value="([^"]+)"', html)
    assert found, html[:3000]
    return found.group(1)


def _apps(rnd):
    return db.session.scalar(
        select(func.count()).select_from(Application).where(Application.round_id == rnd.id)
    )


@pytest.fixture
def checked(page_client, make_round):
    from tests.test_import import csv_bytes, row

    rnd = make_round(title="2026年导入批次")
    c = page_client("admin")
    res = _check(c, rnd, csv_bytes([row("导入社区甲"), row("导入社区乙")]))
    assert res.status_code == 200, res.get_data(as_text=True)[:3000]
    return c, rnd, _pending(res.get_data(as_text=True))


@pytest.mark.parametrize(
    "ident", ["../../secret_key", "../" * 10 + "etc/passwd", "", "0" * 48, "x" * 5000, "%00", "*"]
)
def test_a_forged_pending_id_is_refused_and_reads_no_file(checked, ident):
    c, rnd, _ = checked
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": ident})
    assert res.status_code in (409, 422), res.status_code
    assert "No checked file is waiting" in res.get_data(as_text=True)
    assert _apps(rnd) == 0


def test_a_forged_session_pointing_outside_the_folder_reads_no_file(app, checked, tmp_path):
    """Defence in depth: even a cookie naming ``../`` (signed with the key) reads no file outside."""
    import hashlib

    c, rnd, _ = checked
    outside = tmp_path / "outside.upload"
    from tests.test_import import csv_bytes, row

    data = csv_bytes([row("路径穿越社区")])
    outside.write_bytes(data)
    serializer = app.session_interface.get_signing_serializer(app)
    session = serializer.loads(c.get_cookie("session").value)
    name = "../outside"
    session["pending_import"] = {
        **session["pending_import"],
        "name": name,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    c.set_cookie("session", serializer.dumps(session))
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": name})
    assert res.status_code in (409, 422)
    assert _apps(rnd) == 0


def test_the_pending_file_of_another_admin_is_refused(page_client, checked):
    _, rnd, ident = checked
    other = page_client("admin")
    res = post(other, "/office/import/confirm", {"round_id": str(rnd.id), "pending": ident})
    assert res.status_code in (409, 422) and _apps(rnd) == 0


def test_a_confirm_after_the_file_was_deleted_is_refused(app, checked):
    c, rnd, ident = checked
    for path in Path(app.config["IMPORT_PENDING_DIR"]).glob("*"):
        path.unlink()
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": ident})
    assert res.status_code in (409, 422) and _apps(rnd) == 0


def test_a_tampered_pending_file_is_refused(app, checked):
    c, rnd, ident = checked
    for path in Path(app.config["IMPORT_PENDING_DIR"]).glob("*"):
        path.write_bytes(path.read_bytes() + b"\n")
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": ident})
    assert res.status_code in (409, 422) and _apps(rnd) == 0


def test_a_replayed_confirm_with_the_old_cookie_imports_once(app, checked):
    c, rnd, ident = checked
    old = c.get_cookie("session").value
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": ident})
    assert res.status_code == 200 and _apps(rnd) == 2
    c.set_cookie("session", old)
    res = post(c, "/office/import/confirm", {"round_id": str(rnd.id), "pending": ident})
    assert res.status_code in (409, 422)
    assert _apps(rnd) == 2


def test_a_confirm_into_another_round_is_refused(checked, make_round):
    c, _, ident = checked
    other = make_round(title="2026年另一批次")
    res = post(c, "/office/import/confirm", {"round_id": str(other.id), "pending": ident})
    assert res.status_code in (409, 422) and _apps(other) == 0


@pytest.mark.parametrize("value", ["²", "１", "٣", "-1", "1e3", "99999999999999999999", "%00"])
def test_a_hostile_round_id_in_the_import_forms_is_no_500(checked, value):
    c, _, ident = checked
    res = post(c, "/office/import/confirm", {"round_id": value, "pending": ident})
    assert res.status_code in (200, 404, 409, 422), (value, res.status_code)
    res = post(
        c,
        "/office/import",
        {"round_id": value, "file": (io.BytesIO(b"a,b\n"), "a.csv")},
        content_type="multipart/form-data",
    )
    assert res.status_code in (200, 404, 409, 422), (value, res.status_code)


def test_an_oversize_import_is_the_413_page(app, page_client, make_round, monkeypatch):
    rnd = make_round()
    c = page_client("admin")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    res = _check(c, rnd, b"a,b\n" * 10_000)
    assert res.status_code == 413 and "Traceback" not in res.get_data(as_text=True)
    folder = Path(app.config["IMPORT_PENDING_DIR"])
    assert not folder.exists() or list(folder.glob("*")) == []


# --------------------------------------------------------------------------- exports


@pytest.fixture
def formula_round(make_round, make_org):
    rnd = make_round(title="=1+1 批次")
    for k, text in enumerate(FORMULAS):
        org = make_org(
            name=f"{text}·{k}" if not text[:1].isspace() else text + f"单位{k}",
            city=text,
            county=text,
            subdistrict=text,
        )
        db.session.add(
            Application(
                round_id=rnd.id,
                organisation_id=org.id,
                status="submitted",
                figures={"theme": text, "households": -5, "category": "urban"},
            )
        )
    db.session.commit()
    return rnd


def _number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _dangerous(value) -> bool:
    first = value.lstrip(" \u3000\u00a0")[:1] if isinstance(value, str) else ""
    return bool(first) and not _number(value) and first in "=+-@＝＋－＠\t\r\n"


def test_every_csv_cell_of_the_export_is_inert(page_client, formula_round):
    c = page_client("admin")
    res = c.get(f"/office/applications/export?round={formula_round.id}&format=csv")
    assert res.status_code == 200
    rows = list(csv.reader(io.StringIO(res.data.decode("utf-8-sig"))))
    assert len(rows) == len(FORMULAS) + 1
    for line in rows:
        for cell in line:
            assert not _dangerous(cell), repr(cell)
    assert any(cell == "-5" for line in rows for cell in line)  # numbers stay numbers


def test_every_xlsx_cell_of_the_export_is_inert(page_client, formula_round):
    c = page_client("admin")
    res = c.get(f"/office/applications/export?round={formula_round.id}&format=xlsx")
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.data)).active
    for line in ws.iter_rows():
        for cell in line:
            assert cell.data_type != "f", cell.coordinate
            if _dangerous(cell.value):
                assert cell.quotePrefix, (cell.coordinate, cell.value)


def test_the_export_file_name_of_a_hostile_round_title_is_clean(page_client, make_round):
    rnd = make_round(title='a"\r\n<b>/../x;filename=evil.exe')
    c = page_client("admin")
    res = c.get(f"/office/applications/export?round={rnd.id}&format=csv")
    disposition = res.headers["Content-Disposition"]
    assert res.status_code == 200 and "\n" not in disposition and 'evil.exe"' not in disposition
    assert disposition.count("filename=") == 1


# --------------------------------------------------------------------------- races


def test_a_stale_round_edit_is_refused(page_client, make_round):
    rnd = make_round(phase="draft", title="2026年并发批次")
    a, b = page_client("admin"), page_client("admin")
    form_a = a.get(f"/office/rounds/{rnd.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form_a).group(1)
    assert b.get(f"/office/rounds/{rnd.id}/edit").status_code == 200
    res = post(
        a, f"/office/rounds/{rnd.id}/edit", {"title": "甲改的标题", "version": version, "notice_days": "7"}
    )
    assert res.status_code == 303
    res = post(
        b, f"/office/rounds/{rnd.id}/edit", {"title": "乙改的标题", "version": version, "notice_days": "7"}
    )
    assert res.status_code in (409, 412, 422)
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).title == "甲改的标题"


def test_a_round_edit_without_a_version_is_refused(page_client, make_round):
    """A form that drops the hidden version must not overwrite blindly."""
    rnd = make_round(phase="draft", title="2026年无版本批次")
    a = page_client("admin")
    res = post(a, f"/office/rounds/{rnd.id}/edit", {"title": "盲改", "notice_days": "7"})
    assert res.status_code in (409, 412, 422)


def test_advancing_a_phase_twice_moves_once(page_client, make_round):
    from datetime import timedelta

    from evaluator.core.db import utcnow

    rnd = make_round(phase="draft", title="2026年推进批次", submission_deadline=utcnow() + timedelta(days=5))
    a, b = page_client("admin"), page_client("admin")
    version = str(rnd.version)
    form = {"to": "open", "reason": "开始申报", "confirm": "1", "version": version}
    first = post(a, f"/office/rounds/{rnd.id}/advance", form)
    second = post(b, f"/office/rounds/{rnd.id}/advance", form)
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    assert second.status_code in (409, 412, 422)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action.like("round.%"),
                AuditEvent.object_id == str(rnd.id),
                AuditEvent.action != "round.created",
            )
        )
        == 1
    )


def test_two_tabs_saving_the_form_do_not_silently_lose_a_change(page_client, make_round):
    """Tab 1 and tab 2 open the form; tab 1 saves households=10; tab 2, still showing the old
    (blank) households, saves residents=20. Tab 1's change must survive or tab 2 must be refused."""
    rnd = make_round(title="2026年两个标签页")
    c = page_client("applicant")
    assert post(c, f"/applicant/rounds/{rnd.id}/start").status_code == 303
    application = db.session.scalar(select(Application).where(Application.round_id == rnd.id))
    url = f"/applicant/applications/{application.id}"
    tab = c.get(url).get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', tab))
    hidden.pop("csrf_token", None)
    assert post(c, url, {**hidden, "figures.households": "10"}).status_code == 303
    second = post(c, url, {**hidden, "figures.households": "", "figures.residents": "20"})
    db.session.expire_all()
    figures = db.session.get(Application, application.id).figures
    assert second.status_code in (409, 412, 422) or figures.get("households") == 10, figures


def test_a_post_with_only_one_field_does_not_wipe_the_others(page_client, make_round):
    """A form post naming one figure (a truncated request, another page's form) keeps the rest."""
    rnd = make_round(title="2026年部分提交")
    c = page_client("applicant")
    assert post(c, f"/applicant/rounds/{rnd.id}/start").status_code == 303
    application = db.session.scalar(select(Application).where(Application.round_id == rnd.id))
    url = f"/applicant/applications/{application.id}"
    assert (
        post(
            c, url, versioned(application, {"figures.households": "10", "figures.residents": "20"})
        ).status_code
        == 303
    )
    assert post(c, url, versioned(application, {"figures.residents": "30"})).status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).figures.get("households") == 10


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-inf", "1e999", "9" * 5000, "\x00", "1\x00", "١٢", "0x10", "1_000"]
)
def test_hostile_numbers_in_the_form_are_refused_not_a_500(page_client, make_round, value):
    rnd = make_round(title="2026年数字批次")
    c = page_client("applicant")
    assert post(c, f"/applicant/rounds/{rnd.id}/start").status_code == 303
    application = db.session.scalar(select(Application).where(Application.round_id == rnd.id))
    res = post(
        c,
        f"/applicant/applications/{application.id}",
        versioned(application, {"figures.households": value, "figures.theme": "ok"}),
    )
    assert res.status_code in (303, 422), (value, res.status_code)
    db.session.expire_all()
    stored = db.session.get(Application, application.id).figures.get("households")
    assert stored is None or (isinstance(stored, int) and stored >= 0), stored


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "\u202e", "x" * 100_000])
def test_hostile_text_figures_are_refused_not_a_500(page_client, make_round, value):
    rnd = make_round(title="2026年文本批次")
    c = page_client("applicant")
    assert post(c, f"/applicant/rounds/{rnd.id}/start").status_code == 303
    application = db.session.scalar(select(Application).where(Application.round_id == rnd.id))
    res = post(
        c, f"/applicant/applications/{application.id}", versioned(application, {"figures.theme": value})
    )
    assert res.status_code in (303, 422), res.status_code


def test_every_page_post_is_listed(app):
    """The rules the CSRF test walks (a new POST route shows up here)."""
    assert len(page_post_rules(app)) >= 17


def test_page_forms_never_echo_the_password(page_client):
    c = page_client("applicant")
    res = post(
        c,
        "/account/password",
        {"current_password": "my-secret-now", "new_password": "short", "repeat_password": "short"},
    )
    assert res.status_code == 422
    assert "my-secret-now" not in res.get_data(as_text=True)


def test_organisation_names_in_the_user_form_choices_are_escaped(page_client, make_org):
    make_org(name=XSS[:150])
    c = page_client("admin")
    html = c.get("/office/accounts/users/new?role=applicant").get_data(as_text=True)
    assert not any(m in html for m in RAW_MARKERS)


def test_hostile_org_fields_through_the_page_are_refused_or_escaped(page_client):
    c = page_client("admin")
    res = post(
        c,
        "/office/accounts/organisations/new",
        {
            "name": "恶意社区\u202e",
            "kind": "community",
            "city": "成都市",
            "city_code": "510100",
            "county": "武侯区",
            "county_code": "510107",
            "subdistrict": "玉林街道",
            "subdistrict_code": "510107001",
        },
    )
    assert res.status_code == 422
    assert (
        db.session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.name.like("恶意社区%"))
        )
        == 0
    )
