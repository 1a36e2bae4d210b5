"""Verification, revocation and supersession: /verify/{code} shows a dossier's key facts and whether
it stands, compares an uploaded copy byte for byte, says nothing of codes that do not exist, and is
rate-limited; the office revokes or supersedes a dossier with a reason, audited."""

from __future__ import annotations

import io

import pytest

from evaluator.audit.models import AuditEvent
from evaluator.dossiers.models import Dossier
from evaluator.dossiers.service import shown_code
from evaluator.extensions import db, limiter


def _issue(client, rr):
    target = rr.recognised[0]
    res = client.post(f"/api/v1/applications/{target.id}/dossier", headers=rr.headers)
    assert res.status_code == 201, res.get_json()
    pdf = client.get(f"/api/v1/applications/{target.id}/dossier", headers=rr.headers)
    data = pdf.get_data()
    pdf.close()
    return res.get_json(), data


def _reader(app):
    """An anonymous reader of the public pages (in English, the source texts)."""
    reader = app.test_client()
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return reader


def _page(client, url, **kwargs):
    res = client.open(url, **kwargs)
    return res.status_code, res.get_data(as_text=True)


def test_verify_shows_the_facts_compares_a_copy_and_says_only_not_found_of_other_codes(
    app, client, make_recognised_round
):
    rr = make_recognised_round()
    info, pdf = _issue(client, rr)
    reader = _reader(app)
    status, html = _page(reader, f"/verify/{info['code']}")
    assert status == 200
    assert info["number"] in html and shown_code(info["code"]) in html and "<dd>Valid</dd>" in html
    assert rr.recognised[0].organisation.name in html
    # typed with dashes and in lower case: the same dossier
    assert _page(reader, f"/verify/{shown_code(info['code']).lower()}")[0] == 200
    # a copy compared: identical, then one byte changed
    from tests.pages import csrf_token

    token = csrf_token(reader, f"/verify/{info['code']}")
    for data, said in ((pdf, "is identical"), (pdf[:100] + bytes([pdf[100] ^ 1]) + pdf[101:], "differs")):
        status, html = _page(
            reader,
            f"/verify/{info['code']}",
            method="POST",
            data={"csrf_token": token, "file": (io.BytesIO(data), "copy.pdf")},
            content_type="multipart/form-data",
        )
        assert status == 200 and said in html.split('id="compare-result"')[1][:200]
    # a code that does not exist, or cannot be one: "not found", nothing more
    for code in ("ABCDEFGHJKMNPQRS", "x" * 30, "%2E%2E%2Fetc"):
        status, html = _page(reader, f"/verify/{code}")
        assert status == 404 and rr.recognised[0].organisation.name not in html
        assert 'id="verify-result"' not in html or "Not found." in html


def test_revoke_and_supersede_need_a_reason_are_audited_and_shown_on_verify(
    app, client, make_recognised_round, make_user
):
    rr = make_recognised_round()
    info, _ = _issue(client, rr)
    _, applicant = make_user("applicant", organisation=rr.recognised[0].organisation)
    url = f"/api/v1/dossiers/{info['id']}"
    assert client.post(f"{url}/revoke", json={"reason": "复核未通过"}, headers=applicant).status_code == 403
    refused = client.post(f"{url}/supersede", json={}, headers=rr.headers)
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]["json"]
    new = client.post(f"{url}/supersede", json={"reason": "更正了一位专家的评分"}, headers=rr.headers)
    assert new.status_code == 201
    new = new.get_json()
    assert new["id"] != info["id"] and new["state"] == "issued" and new["number"] != info["number"]
    old = client.get(url, headers=rr.headers).get_json()
    assert old["state"] == "superseded" and old["superseded_by"] == new["id"]
    reader = _reader(app)
    html = reader.get(f"/verify/{info['code']}").get_data(as_text=True)
    assert "更正了一位专家的评分" in html and new["number"] in html and "replaced by a corrected one" in html
    # the new one revoked: a second change of the same dossier is refused
    revoked = client.post(
        f"/api/v1/dossiers/{new['id']}/revoke", json={"reason": "复核未通过"}, headers=rr.headers
    )
    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    again = client.post(
        f"/api/v1/dossiers/{new['id']}/revoke", json={"reason": "复核未通过"}, headers=rr.headers
    )
    assert again.status_code == 409
    html = reader.get(f"/verify/{new['code']}").get_data(as_text=True)
    assert "was revoked" in html and "复核未通过" in html
    # no valid dossier left: the unit's download is gone, a new one may be issued
    assert (
        client.get(f"/api/v1/applications/{rr.recognised[0].id}/dossier", headers=rr.headers).status_code
        == 404
    )
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert [a for a in actions if a.startswith("dossier.")] == [
        "dossier.issued",
        "dossier.issued",
        "dossier.superseded",
        "dossier.revoked",
    ]


def test_verify_is_rate_limited(app):
    reader = _reader(app)
    limiter.enabled = True
    codes = [reader.get("/verify/ABCDEFGHJKMNPQRS").status_code for _ in range(32)]
    assert codes[:30] == [404] * 30 and codes[-1] == 429


@pytest.mark.parametrize(
    "reason",
    ["   ", "\u3000\u3000\n", "复核\x00未通过", "\u202e过通未核复", "理" * 1001, 7, ["复核未通过"]],
)
def test_a_reason_of_blanks_control_characters_or_another_type_is_refused_by_name(
    client, make_recognised_round, reason
):
    """422 naming ``reason`` and nothing written: a blank reason would say nothing on /verify, a
    NUL byte cannot be stored by PostgreSQL, a direction override reads backwards."""
    rr = make_recognised_round(n_apps=3, n_recognised=1)
    info, _ = _issue(client, rr)
    events = db.session.query(AuditEvent).count()
    for action in ("revoke", "supersede"):
        res = client.post(
            f"/api/v1/dossiers/{info['id']}/{action}", json={"reason": reason}, headers=rr.headers
        )
        assert res.status_code == 422, res.get_json()
        assert list(res.get_json()["errors"]["json"]) == ["reason"]
    db.session.expire_all()
    assert client.get(f"/api/v1/dossiers/{info['id']}", headers=rr.headers).get_json()["state"] == "issued"
    assert db.session.query(AuditEvent).count() == events


def test_a_reason_is_kept_without_the_blanks_around_it(client, make_recognised_round):
    rr = make_recognised_round(n_apps=3, n_recognised=1)
    info, _ = _issue(client, rr)
    res = client.post(
        f"/api/v1/dossiers/{info['id']}/revoke", json={"reason": "  复核未通过\n"}, headers=rr.headers
    )
    assert res.status_code == 200 and res.get_json()["reason"] == "复核未通过"


def test_a_code_typed_in_full_width_or_with_any_dash_or_blank_finds_the_dossier_a_look_alike_does_not(
    app, client, make_recognised_round
):
    """A Chinese input method types full-width letters, digits and dashes (ＡＢ－ＣＤ), ideographic
    spaces, and a copied code may carry a zero-width space; Cyrillic look-alikes are other letters."""
    rr = make_recognised_round(n_apps=3, n_recognised=1)
    info, _ = _issue(client, rr)
    code = "ABCD2345EFGH6789"  # one with letters that have Cyrillic look-alikes
    db.session.get(Dossier, info["id"]).code = code
    db.session.commit()
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)  # ＡＢＣ…, ２３４…
    groups = [code[k : k + 4] for k in range(0, 16, 4)]
    reader = _reader(app)
    for typed in (
        wide,
        "－".join(groups),
        "—".join(groups),
        "\u3000".join(groups),
        code[:8] + "\u200b" + code[8:],
        wide.lower(),
    ):
        assert _page(reader, f"/verify/{typed}")[0] == 200, typed
        res = reader.get("/verify", query_string={"code": typed})
        assert res.status_code == 303 and res.headers["Location"].endswith(f"/verify/{code}"), typed
    assert _page(reader, "/verify/АВCD2345ЕFGН6789")[0] == 404  # А, В, Е and Н are Cyrillic


def test_a_compare_without_a_file_or_with_an_empty_one_says_so_beside_the_field(
    app, client, make_recognised_round
):
    """Not a silent page: the field is named; a file longer than the dossier simply differs."""
    from tests.pages import csrf_token

    rr = make_recognised_round(n_apps=3, n_recognised=1)
    info, pdf = _issue(client, rr)
    reader = _reader(app)
    url = f"/verify/{info['code']}"
    token = csrf_token(reader, url)
    for data, said in (
        ({}, "Choose a file to upload."),
        ({"file": (io.BytesIO(b"%PDF-"), "")}, "Choose a file to upload."),
        ({"file": (io.BytesIO(b""), "copy.pdf")}, "The file is empty."),
    ):
        status, html = _page(
            reader, url, method="POST", data={"csrf_token": token, **data}, content_type="multipart/form-data"
        )
        assert status == 422 and 'id="file-errors"' in html and said in html.split('id="file-errors"')[1]
        assert 'id="compare-result"' not in html
    longer = {"csrf_token": token, "file": (io.BytesIO(pdf + b"\n" * 100), "copy.pdf")}
    status, html = _page(reader, url, method="POST", data=longer, content_type="multipart/form-data")
    assert status == 200 and "differs" in html.split('id="compare-result"')[1][:200]
