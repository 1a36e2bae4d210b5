"""What the office reads of a batch's failed dossiers: a sentence in its own language that it can
act on — a character the font lacks, the signing key that cannot be read, a refusal of the service —
never WeasyPrint's or pyHanko's words, a Python exception or a server path; and no form offered that
could only be refused."""

from __future__ import annotations

import re

from evaluator import tasks
from evaluator.dossiers import service
from evaluator.extensions import db
from tests.pages import post


def _started(client, rr) -> int:
    res = post(client, f"/office/rounds/{rr.rnd.id}/dossiers")
    assert res.status_code == 303, res.get_data(as_text=True)[:500]
    tasks.wait_idle()
    return int(res.headers["Location"].rsplit("/", 1)[1])


def _failures(client, job_id: int) -> str:
    html = client.get(f"/office/dossier-jobs/{job_id}").get_data(as_text=True)
    return re.sub(r"\s+", " ", html.split('id="job-errors"')[1].split("</ul>")[0])


def test_a_character_the_font_lacks_is_named_in_chinese_and_in_the_api(
    app, client, page_client, make_recognised_round
):
    rr = make_recognised_round(n_apps=3, n_recognised=1)
    rr.recognised[0].organisation.name = "玉林\U00013000社区"
    db.session.commit()
    office = page_client("admin", user=rr.admin, language="zh")
    job_id = _started(office, rr)
    said = _failures(office, job_id)
    assert "玉林\U00013000社区" in said and "字体缺少" in said and "\U00013000" in said.split("字体缺少")[1]
    assert ".notdef" not in said and "U+13000" not in said
    error = client.get(f"/api/v1/jobs/{job_id}", headers=rr.headers).get_json()["errors"][0]["error"]
    assert "font lacks" in error and "\U00013000" in error
    # one dossier issued over the API: a 409 that says the same, nothing issued
    res = client.post(f"/api/v1/applications/{rr.recognised[0].id}/dossier", headers=rr.headers)
    assert res.status_code == 409 and "font lacks" in res.get_json()["message"]


def test_an_unreadable_signing_key_and_an_unexpected_error_are_said_in_chinese_without_inner_names(
    app, page_client, make_recognised_round, tmp_path, monkeypatch
):
    rr = make_recognised_round(n_apps=4, n_recognised=2)
    office = page_client("admin", user=rr.admin, language="zh")
    key = app.config["DOSSIER_SIGNING_KEY"]
    app.config["DOSSIER_SIGNING_KEY"] = str(tmp_path / "office-key.pem")
    job_id = _started(office, rr)
    said = _failures(office, job_id)
    assert said.count("无法签署认定档案") == 2 and "NoneType" not in said and "office-key" not in said
    app.config["DOSSIER_SIGNING_KEY"] = key

    def broken(*args, **kwargs):
        raise KeyError("/srv/evaluator/templates/dossiers/dossier.html: radar")

    monkeypatch.setattr(service, "dossier_pdf", broken)
    res = post(office, f"/office/dossier-jobs/{job_id}/retry")
    assert res.status_code == 303
    tasks.wait_idle()
    said = _failures(office, job_id)
    assert said.count("未能生成") == 2 and "/srv" not in said and "KeyError" not in said
    assert "radar" not in said


def test_a_dossier_no_longer_valid_offers_no_change_and_a_round_without_units_no_batch_button(
    client, page_client, make_recognised_round
):
    """The careless newcomer is not invited to fill in a form that can only be refused."""
    rr = make_recognised_round(n_apps=3, n_recognised=1)
    info = client.post(f"/api/v1/applications/{rr.recognised[0].id}/dossier", headers=rr.headers).get_json()
    url = f"/api/v1/dossiers/{info['id']}/revoke"
    assert client.post(url, json={"reason": "复核未通过"}, headers=rr.headers).status_code == 200
    office = page_client("admin", user=rr.admin)
    html = office.get(f"/office/dossiers/{info['id']}/change").get_data(as_text=True)
    assert f"The dossier {info['number']} is no longer valid." in html and 'name="reason"' not in html
    empty = make_recognised_round(n_apps=3, n_recognised=0)
    html = office.get(f"/office/rounds/{empty.rnd.id}/dossiers").get_data(as_text=True)
    assert "The round has no recognised unit yet." in html
    assert f'action="/office/rounds/{empty.rnd.id}/dossiers"' not in html
