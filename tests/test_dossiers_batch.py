"""Batches in-process (no broker): a round's recognised units rendered in the background, one bad
dossier failing alone with its reason, the failed ones tried again, a second batch skipping what is
issued, the ZIP of the batch."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from evaluator import tasks
from evaluator.dossiers import documents, jobs, service
from evaluator.dossiers.models import Dossier
from evaluator.dossiers.render import NOT_RENDERED
from evaluator.extensions import db


def _job(client, headers, job_id):
    tasks.wait_idle()
    res = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert res.status_code == 200
    return res.get_json()


def test_a_batch_renders_every_recognised_unit_and_one_failure_never_stops_the_rest(
    app, client, make_recognised_round, monkeypatch
):
    rr = make_recognised_round(n_apps=6, n_recognised=4)
    bad = rr.recognised[1].id  # read here: the task runs on another thread, with its own session
    real = documents.dossier_pdf

    def broken(data, *args, **kwargs):
        if data["unit"]["application_id"] == bad:
            raise RuntimeError("the template broke for this unit")
        return real(data, *args, **kwargs)

    monkeypatch.setattr(service, "dossier_pdf", broken)
    res = client.post(f"/api/v1/rounds/{rr.rnd.id}/dossiers", headers=rr.headers)
    assert res.status_code == 202, res.get_json()
    job = _job(client, rr.headers, res.get_json()["id"])
    assert (job["state"], job["total"], job["done"], job["failed"]) == ("finished", 4, 3, 1)
    assert job["errors"] == [  # the exception itself goes to the log, not to the office
        {"application_id": bad, "error": NOT_RENDERED, "attempts": 1}
    ]
    # tried again once fixed: only the failed one is rendered
    monkeypatch.setattr(service, "dossier_pdf", real)
    again = client.post(f"/api/v1/jobs/{job['id']}/retry", headers=rr.headers)
    assert again.status_code == 202
    job = _job(client, rr.headers, job["id"])
    assert (job["state"], job["done"], job["issued"], job["failed"], job["errors"]) == (
        "finished",
        4,
        4,
        0,
        [],
    )
    assert client.post(f"/api/v1/jobs/{job['id']}/retry", headers=rr.headers).status_code == 409
    # a second batch skips the units with a valid dossier (resumable: nothing is rendered twice)
    second = client.post(f"/api/v1/rounds/{rr.rnd.id}/dossiers", headers=rr.headers).get_json()
    second = _job(client, rr.headers, second["id"])
    assert (second["state"], second["total"], second["skipped"], second["issued"]) == ("finished", 4, 4, 0)
    # the ZIP: one signed PDF per recognised unit
    res = client.get(f"/api/v1/jobs/{job['id']}/zip", headers=rr.headers)
    assert res.status_code == 200 and res.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(res.get_data()))
    res.close()
    names = archive.namelist()
    assert len(names) == 4 and all(n.endswith(".pdf") and n[:7] == "2026-3-" for n in names)
    assert all(archive.read(n).startswith(b"%PDF-") for n in names)


def test_a_round_without_recognised_units_has_no_batch_and_only_the_office_starts_one(
    client, make_recognised_round, make_user
):
    rr = make_recognised_round(n_apps=3, n_recognised=0)
    assert client.post(f"/api/v1/rounds/{rr.rnd.id}/dossiers", headers=rr.headers).status_code == 409
    _, reviewer = make_user("reviewer")
    assert client.post(f"/api/v1/rounds/{rr.rnd.id}/dossiers", headers=reviewer).status_code == 403
    assert client.get("/api/v1/jobs/999999", headers=rr.headers).status_code == 404


def test_the_zip_holds_each_units_valid_dossier_and_waits_for_the_batch_to_finish(
    app, client, make_recognised_round, monkeypatch
):
    """A revoked dossier is never handed out again in a ZIP, a replaced one is handed out as its
    replacement; a batch still rendering has no ZIP yet (it would look complete)."""
    rr = make_recognised_round(n_apps=4, n_recognised=3)
    first = client.post(f"/api/v1/applications/{rr.recognised[0].id}/dossier", headers=rr.headers)
    waiting = []
    monkeypatch.setattr(tasks, "submit", lambda name, *args: waiting.append(args))
    job = client.post(f"/api/v1/rounds/{rr.rnd.id}/dossiers", headers=rr.headers).get_json()
    assert (job["state"], job["skipped"], job["pending"]) == ("queued", 1, 2)
    assert client.get(f"/api/v1/jobs/{job['id']}/zip", headers=rr.headers).status_code == 409
    monkeypatch.undo()
    for (item_id,) in waiting:
        jobs.render_item(item_id)
    db.session.commit()
    job = _job(client, rr.headers, job["id"])
    assert (job["state"], job["done"]) == ("finished", 3)
    revoked = first.get_json()
    assert (
        client.post(
            f"/api/v1/dossiers/{revoked['id']}/revoke", json={"reason": "复核未通过"}, headers=rr.headers
        ).status_code
        == 200
    )
    second = db.session.scalars(select(Dossier).where(Dossier.application_id == rr.recognised[1].id)).one()
    new = client.post(
        f"/api/v1/dossiers/{second.id}/supersede", json={"reason": "更正评分"}, headers=rr.headers
    ).get_json()
    res = client.get(f"/api/v1/jobs/{job['id']}/zip", headers=rr.headers)
    assert res.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(res.get_data())).namelist()
    res.close()
    third = db.session.scalars(select(Dossier).where(Dossier.application_id == rr.recognised[2].id)).one()
    assert sorted(n.split("-")[2] for n in names) == sorted(
        n.split("-")[2] for n in (new["number"], third.number)
    )


def test_a_unit_with_a_recognising_grade_has_no_dossier_before_the_round_recognises_it(
    app, client, make_scored_round, make_user, signing_files, monkeypatch
):
    """A dossier is the record of a recognition: during the review, the notice or with provisional
    results, a grade that would be recognised issues nothing (neither alone nor in a batch)."""
    from evaluator.results.models import ApplicationResult
    from evaluator.results.service import compute

    monkeypatch.setitem(app.config, "DOSSIER_SIGNING_KEY", str(signing_files[0]))
    monkeypatch.setitem(app.config, "DOSSIER_SIGNING_CERT", str(signing_files[1]))
    sr = make_scored_round(n_apps=4, seed=3)
    admin, headers = make_user("admin")
    compute(admin, sr.rnd)
    db.session.commit()
    ranked = select(ApplicationResult).where(ApplicationResult.rank.is_not(None))
    line = db.session.scalars(ranked.order_by(ApplicationResult.rank)).first()
    line.recognised = True  # its grade is one the criteria recognise
    db.session.commit()
    assert line.application.status == "under_review"
    res = client.post(f"/api/v1/applications/{line.application_id}/dossier", headers=headers)
    assert res.status_code == 409 and db.session.query(Dossier).count() == 0
    batch = client.post(f"/api/v1/rounds/{sr.rnd.id}/dossiers", headers=headers)
    tasks.wait_idle()
    assert batch.status_code == 409 and db.session.query(Dossier).count() == 0


def test_a_batch_leaves_out_a_unit_whose_dossier_was_revoked(client, make_recognised_round):
    """The revocation withdrew the recognition: a later batch of the round must not hand the unit a
    valid dossier again (the office may still issue one on its own, if the revocation was a mistake)."""
    rr = make_recognised_round(n_apps=3, n_recognised=2)
    withdrawn = rr.recognised[0].id
    info = client.post(f"/api/v1/applications/{withdrawn}/dossier", headers=rr.headers).get_json()
    url = f"/api/v1/dossiers/{info['id']}/revoke"
    assert client.post(url, json={"reason": "复核未通过"}, headers=rr.headers).status_code == 200
    job = client.post(f"/api/v1/rounds/{rr.rnd.id}/dossiers", headers=rr.headers).get_json()
    job = _job(client, rr.headers, job["id"])
    assert (job["state"], job["total"], job["issued"]) == ("finished", 1, 1)
    res = client.get(f"/api/v1/applications/{withdrawn}/dossier", headers=rr.headers)
    res.close()
    assert res.status_code == 404
    assert client.post(f"/api/v1/applications/{withdrawn}/dossier", headers=rr.headers).status_code == 201
