"""The applicant's pages: materials (upload, refusal, list, checklist, delete), submission, the
read-only view and withdrawal."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from evaluator.applications.models import Application, Material
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.service import round_criteria
from tests.pages import post, versioned
from tests.test_materials import PDF_BYTES
from tests.test_web_applicant import complete_form, fc_round, start


@pytest.fixture
def draft(page_client):
    """A signed-in applicant and its fresh draft in an open featured-community round."""
    rnd = fc_round()
    c = page_client("applicant")
    return c, start(c, rnd)


def upload(c, application, data, filename, json=False, **fields):
    headers = {"Accept": "application/json"} if json else {}
    return post(
        c,
        f"/applicant/applications/{application.id}/materials",
        {"file": (io.BytesIO(data), filename), **fields},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_the_page_states_the_limits_before_the_upload(app, draft):
    c, application = draft
    page = c.get(f"/applicant/applications/{application.id}/materials").get_data(as_text=True)
    rules = page.index('id="upload-rules"')
    assert rules < page.index('id="upload-form"')
    assert "at most 20 MB" in page and "PDF, JPEG, PNG, DOCX, XLSX" in page  # an English list
    assert '<progress id="upload-progress"' in page and "js/upload.js" in page
    assert '<label for="f-indicator_id">' in page and '<label for="f-material_key">' in page
    assert '<label for="f-file">' in page


def test_a_pdf_is_uploaded_listed_with_its_hash_and_the_checklist_updates(app, draft):
    c, application = draft
    url = f"/applicant/applications/{application.id}/materials"
    before = c.get(url).get_data(as_text=True)
    assert 'id="check-basic_party_work-party_building"' in before
    row = before.split('id="check-basic_party_work-party_building"', 1)[1].split("</tr>", 1)[0]
    assert "Missing" in row
    res = upload(
        c,
        application,
        PDF_BYTES,
        "党建材料.pdf",
        indicator_id="basic_party_work",
        material_key="party_building",
    )
    assert res.status_code == 303 and res.headers["Location"].endswith(url)
    page = c.get(url).get_data(as_text=True)
    sha = hashlib.sha256(PDF_BYTES).hexdigest()
    assert f'<code class="hash">{sha}</code>' in page and "党建材料.pdf" in page
    assert "has been uploaded" in page
    row = page.split('id="check-basic_party_work-party_building"', 1)[1].split("</tr>", 1)[0]
    assert "Present" in row and "党建材料.pdf" in row
    material = db.session.scalar(select(Material))
    assert material.material_key == "party_building" and material.size == len(PDF_BYTES)
    download = c.get(f"/applicant/materials/{material.id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.headers["Content-Type"] == "application/pdf"
    download.close()


def test_the_script_gets_json_the_page_to_go_to_or_the_refusal(app, draft):
    c, application = draft
    res = upload(c, application, PDF_BYTES, "a.pdf", json=True, material_key="party_building")
    assert res.status_code == 201
    assert res.json["location"] == f"/applicant/applications/{application.id}/materials"
    res = upload(c, application, b"MZ\x90\x00 an executable", "a.pdf", json=True)
    assert res.status_code == 422 and "Windows executable" in " ".join(res.json["errors"]["file"])


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00 a program", "a Windows executable"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "HTML/XML markup"),
    ],
)
def test_a_disguised_file_is_refused_in_plain_words(app, draft, data, what):
    c, application = draft
    res = upload(c, application, data, "申报书.pdf", indicator_id="basic_party_work")
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    errors = page.split('id="file-errors"', 1)[1].split("</ul>", 1)[0]
    assert what in errors and "extension does not matter" in errors
    assert '<option value="basic_party_work" selected>' in page  # the choice is kept
    assert db.session.scalar(select(Material)) is None


def test_an_upload_without_a_file_or_with_a_wrong_kind_is_refused(app, draft):
    c, application = draft
    res = post(
        c,
        f"/applicant/applications/{application.id}/materials",
        {"indicator_id": ""},
        content_type="multipart/form-data",
    )
    assert res.status_code == 422 and "Choose a file to upload." in res.get_data(as_text=True)
    res = upload(
        c, application, PDF_BYTES, "a.pdf", indicator_id="basic_party_work", material_key="survey_report"
    )
    assert res.status_code == 422 and 'id="material_key-errors"' in res.get_data(as_text=True)


def test_delete_works_while_a_draft_only(app, draft):
    c, application = draft
    upload(c, application, PDF_BYTES, "a.pdf", material_key="party_building")
    upload(c, application, PDF_BYTES + b"%2", "b.pdf", material_key="party_building")
    first, second = db.session.scalars(select(Material).order_by(Material.id)).all()
    page = c.get(f"/applicant/applications/{application.id}/materials").get_data(as_text=True)
    assert f'action="/applicant/materials/{first.id}/delete"' in page and "data-confirm=" in page
    res = post(c, f"/applicant/materials/{first.id}/delete")
    assert res.status_code == 303
    assert db.session.get(Material, first.id) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "material.deleted"))
    assert (
        post(
            c,
            f"/applicant/applications/{application.id}",
            versioned(application, complete_form(round_criteria(application.round))),
        ).status_code
        == 303
    )
    assert post(c, f"/applicant/applications/{application.id}/submit").status_code == 303
    res = post(c, f"/applicant/materials/{second.id}/delete")
    assert res.status_code == 422 and "draft" in res.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Material, second.id) is not None
    page = c.get(f"/applicant/applications/{application.id}/materials").get_data(as_text=True)
    assert "/delete" not in page and 'id="upload-form"' not in page


def test_submit_is_refused_while_incomplete_then_succeeds_and_the_view_is_read_only(app, draft):
    c, application = draft
    url = f"/applicant/applications/{application.id}"
    summary = c.get(f"{url}/submit").get_data(as_text=True)
    missing = summary.split('id="missing-figures"', 1)[1].split("</div>", 1)[0]
    assert "Resident households" in missing and "Community category" in missing
    assert 'id="missing-evidence"' in summary and "Community and compound party organisations" in summary
    assert 'id="submit-button" disabled' in summary
    res = post(c, f"{url}/submit")
    assert res.status_code == 422 and "The form is not complete" in res.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "draft"

    res = post(c, url, versioned(application, complete_form(round_criteria(application.round))))
    assert res.status_code == 303
    summary = c.get(f"{url}/submit").get_data(as_text=True)
    assert 'id="figures-complete"' in summary and 'id="submit-button" disabled' not in summary
    res = post(c, f"{url}/submit")
    assert res.status_code == 303
    db.session.expire_all()
    submitted = db.session.get(Application, application.id)
    assert submitted.status == "submitted" and submitted.submitted_at is not None
    view = c.get(url).get_data(as_text=True)
    assert "has been submitted" in view and 'id="figures-form"' not in view
    assert "Resident households" in view and 'id="submitted-at"' in view
    row = view.split('id="figure-households_resident"', 1)[1].split("</tr>", 1)[0]
    assert "households" in row and "户" not in row  # the unit in English
    assert f'action="{url}/withdraw"' in view
    # the form no longer takes changes
    res = post(c, url, versioned(application, {"figures.households_resident": "9"}))
    assert res.status_code == 422
    db.session.expire_all()
    assert db.session.get(Application, application.id).figures == submitted.figures


def test_withdraw_a_submitted_application(app, draft):
    c, application = draft
    url = f"/applicant/applications/{application.id}"
    res = post(c, f"{url}/withdraw")  # a draft cannot be withdrawn
    assert res.status_code == 422
    post(c, url, versioned(application, complete_form(round_criteria(application.round))))
    post(c, f"{url}/submit")
    res = post(c, f"{url}/withdraw")
    assert res.status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "withdrawn"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "application.withdrawn"))
    view = c.get(url).get_data(as_text=True)
    assert "Withdrawn" in view and f'action="{url}/withdraw"' not in view


def test_materials_of_another_organisation_are_refused(app, draft, page_client):
    c, application = draft
    upload(c, application, PDF_BYTES, "a.pdf")
    material = db.session.scalar(select(Material))
    other = page_client("applicant")
    # Another organisation's material is not found, as a missing one is.
    assert other.get(f"/applicant/materials/{material.id}").status_code == 404
    assert post(other, f"/applicant/materials/{material.id}/delete").status_code == 404
    assert upload(other, application, PDF_BYTES, "b.pdf").status_code == 404
    assert c.post(f"/applicant/materials/{material.id}/delete").status_code == 400  # no CSRF token
    assert db.session.get(Material, material.id) is not None
