"""An applicant community's whole application in a real browser, in Chinese: start it in an open
round, a figure refused beside its field and corrected, a PDF uploaded with the progress bar and
ticked off in the evidence checklist, a disguised file refused in plain words, the required figures,
the summary before submitting, the submission and the read-only view; then the same form filled in,
saved and submitted with the keyboard alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from evaluator.accounts.models import Organisation
from evaluator.applications.models import Application, Material
from evaluator.criteria import load_criteria
from tests.browser.helpers import (
    FC_FIGURES,
    HTML_BYTES,
    PDF_BYTES,
    accept_dialogs,
    application_of,
    chinese,
    count_rows,
    fresh,
    open_round,
    path_of,
    signed_in,
    switch_language,
)

pytestmark = pytest.mark.browser

CS = load_criteria("fc-2026")
FIELDS = CS.field_map
# The upload's progress, noted by the browser while the page's own script sends the file: whether
# the bar was shown, the highest value it reached and its maximum. Kept in sessionStorage, which
# survives the page the script goes to once the upload has succeeded.
WATCH_PROGRESS = """() => {
  const bar = document.getElementById('upload-progress');
  const box = bar.closest('.upload-progress');
  sessionStorage.setItem('progress', JSON.stringify({shown: false, value: 0, max: bar.max}));
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem('progress'));
    seen.shown = seen.shown || !box.hidden;
    seen.value = Math.max(seen.value, bar.value);
    sessionStorage.setItem('progress', JSON.stringify(seen));
  }).observe(box, {attributes: true, subtree: true, childList: true, characterData: true});
}"""


def deadline(days: int) -> datetime:
    """A time ``days`` from now (UTC)."""
    return datetime.now(UTC) + timedelta(days=days)


def form_value(key: str):
    """A figure of FC_FIGURES as the form takes it: text for an input, option values for a select."""
    f, value = FIELDS[key], FC_FIGURES[key]
    if f.type == "bool":
        return "yes" if value else "no"
    if f.type == "multi":
        return list(value)
    return str(value)


def start_application(page, round_id: int) -> int:
    """Press the round's 'start' button on the applicant's home; returns the new application's id."""
    card = page.locator(f"#round-{round_id}")
    with page.expect_navigation():
        card.get_by_role("button").click()
    expect(page.locator("h1")).to_have_text("申报表")
    return int(path_of(page).rstrip("/").split("/")[-1])


def save_draft(page, button: str = "保存草稿"):
    """Press one of the form's buttons; returns the response of the page it leads to."""
    with page.expect_navigation() as navigation:
        page.locator("#figures-form").get_by_role("button", name=button).click()
    return navigation.value


def test_an_applicant_fills_in_uploads_and_submits(page, make_account, tmp_path):
    account = make_account("applicant")
    round_id = open_round("2026年度省级特色社区评选", submission_deadline=deadline(30))
    signed_in(page, account)
    assert path_of(page) == "/applicant/"
    expect(page.locator(f"#round-{round_id} h3")).to_have_text("2026年度省级特色社区评选")
    app_id = start_application(page, round_id)
    expect(page.locator("main .notice.success")).to_be_visible()
    assert fresh(Application, app_id).status == "draft"

    # A number above the field's maximum: refused beside that field, in Chinese, nothing saved.
    households = page.locator("#f-figures-households_resident")
    page.select_option("#f-figures-category", "traditional_urban")
    households.fill("60000")
    response = save_draft(page)
    assert response.status == 422
    expect(page.locator("#form-problems")).to_be_visible()
    expect(page.locator("#form-problems")).to_be_focused()
    container = page.locator(".field", has=page.locator("#f-figures-households_resident"))
    errors = container.locator("#figures-households_resident-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("50,000")
    assert chinese(errors.inner_text()), errors.inner_text()
    expect(container).to_have_class(re.compile(r"\binvalid\b"))
    expect(households).to_have_attribute("aria-invalid", "true")
    assert "figures-households_resident-errors" in households.get_attribute("aria-describedby").split()
    expect(households).to_have_value("60000")  # what was typed is shown again, to correct
    assert fresh(Application, app_id).figures == {}
    # Corrected and saved.
    households.fill("3200")
    response = save_draft(page)
    assert response.status == 200 and path_of(page) == f"/applicant/applications/{app_id}"
    expect(page.locator("#form-problems")).to_have_count(0)
    expect(page.locator("#f-figures-households_resident")).to_have_value("3200")
    saved = fresh(Application, app_id).figures
    assert saved == {"category": "traditional_urban", "households_resident": 3200}

    # Materials: a PDF goes up with the progress bar and ticks its row in the checklist.
    with page.expect_navigation():
        page.locator("nav.steps").get_by_role("link", name="佐证材料").click()
    row = page.locator("#check-basic_party_work-party_building")
    expect(row).to_have_class(re.compile(r"\bmissing\b"))
    pdf = tmp_path / "党组织设置材料.pdf"
    pdf.write_bytes(PDF_BYTES + b"%" + b"0" * 400_000 + b"\n")  # big enough to report progress
    page.select_option("#f-indicator_id", "basic_party_work")
    page.select_option("#f-material_key", "party_building")
    page.set_input_files("#f-file", str(pdf))
    page.evaluate(WATCH_PROGRESS)
    with (
        page.expect_response(lambda r: r.request.method == "POST" and "/materials" in r.url) as sent,
        page.expect_navigation(),
    ):
        page.locator("#upload-form").get_by_role("button", name="上传").click()
    assert sent.value.status == 201  # sent by the page's script, answered in JSON
    assert sent.value.request.headers.get("accept") == "application/json"
    progress = page.evaluate("() => JSON.parse(sessionStorage.getItem('progress'))")
    assert progress["shown"] and progress["value"] == progress["max"] == 100, progress
    expect(page.locator("main .notice.success")).to_contain_text("党组织设置材料.pdf")
    expect(row).to_have_class(re.compile(r"\bpresent\b"))
    expect(row).to_contain_text("党组织设置材料.pdf")
    expect(page.locator("#materials tbody tr")).to_have_count(1)

    # A page disguised as a PDF: refused in plain Chinese, the page stays, nothing is stored.
    page.watch.allow(r"/materials answered 422$")  # the refusal the script reads and shows
    page.watch.allow(r"/materials: Failed to load resource: .* status of 422")
    fake = tmp_path / "伪装.pdf"
    fake.write_bytes(HTML_BYTES)
    page.set_input_files("#f-file", str(fake))
    with page.expect_response(lambda r: r.request.method == "POST" and "/materials" in r.url) as sent:
        page.locator("#upload-form").get_by_role("button", name="上传").click()
    assert sent.value.status == 422
    message = page.locator("#upload-form .upload-message")
    expect(message).to_have_attribute("role", "alert")
    expect(message).to_contain_text("文件未被接收")
    expect(message).to_contain_text("HTML")
    assert chinese(message.inner_text())
    expect(page.locator("#upload-form .upload-progress")).to_be_hidden()
    expect(page.locator("#upload-form button[type=submit]")).to_be_enabled()  # may try again
    expect(page.locator("#materials tbody tr")).to_have_count(1)
    assert count_rows(Material, application_id=app_id) == 1

    # The required figures, then the summary before submitting.
    with page.expect_navigation():
        page.locator("nav.steps").get_by_role("link", name="填报数据").click()
    expect(page.locator("#missing-count")).to_be_visible()
    for key in FC_FIGURES:
        control = page.locator(f"#f-figures-{key}")
        if FIELDS[key].type == "multi":
            for value in form_value(key):
                control.locator(f"input[value='{value}']").check()
        elif FIELDS[key].type in ("enum", "bool"):
            control.select_option(form_value(key))
        else:
            control.fill(form_value(key))
    save_draft(page, "保存并检查提交")
    assert path_of(page) == f"/applicant/applications/{app_id}/submit"
    expect(page.locator("h1")).to_have_text("提交申报")
    expect(page.locator("#figures-complete")).to_be_visible()
    expect(page.locator("#missing-evidence")).to_be_visible()  # a warning only: other materials are missing
    party_work = CS.node_map["basic_party_work"].name  # its material is in: no longer listed
    expect(page.locator("#missing-evidence li", has_text=party_work)).to_have_count(0)
    expect(page.locator("#missing-evidence li").first).to_be_visible()
    submit = page.locator("#submit-button")
    expect(submit).to_be_enabled()
    accept_dialogs(page)
    with page.expect_navigation():
        submit.click()

    # The read-only view: the figures as text, no control to change them.
    assert path_of(page) == f"/applicant/applications/{app_id}"
    expect(page.locator("main .notice.success").first).to_be_visible()
    expect(page.locator("h1")).to_contain_text("申报")
    expect(page.locator("main input[name^='figures.'], main select, main textarea")).to_have_count(0)
    expect(page.locator("#figure-households_resident td").first).to_have_text("3,200")
    expect(page.locator("#application-facts")).to_contain_text("已提交")
    stored = fresh(Application, app_id)
    assert stored.status == "submitted" and stored.submitted_at is not None
    assert stored.figures["households_resident"] == 3200 and stored.figures["basic_services"] == [
        "employment",
        "health",
        "elderly_care",
    ]
    # The same page in English, by the header's switch.
    switch_language(page, "en")
    assert path_of(page) == f"/applicant/applications/{app_id}"
    name = fresh(Organisation, account.organisation_id).name
    expect(page.locator("h1")).to_have_text(f"Application of {name}")
    expect(page.locator("#figures-heading")).to_have_text("Figures")


# ------------------------------------------------------------------------------ keyboard only


def focused(page) -> SimpleNamespace:
    """The element holding the focus: its tag, id, name, type, value and text."""
    return SimpleNamespace(
        **page.evaluate("""() => { const el = document.activeElement;
      return {tag: el.tagName, id: el.id, name: el.getAttribute('name') || '', type: el.type || '',
              value: el.value || '', text: (el.innerText || '').trim()}; }""")
    )


def tab_to(page, test, limit: int = 200, back: bool = False) -> SimpleNamespace:
    """Press Tab (Shift+Tab with ``back``) until the focused element passes ``test``."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if test(now):
            return now
    pytest.fail(f"the keyboard never reached the element wanted (last: {now})")


def choose_by_keyboard(page, key: str) -> None:
    """Pick a drop-down's option with the arrow keys."""
    f = FIELDS[key]
    values = [c.value for c in f.choices] if f.choices else ["yes", "no"]
    wanted = form_value(key)
    for _ in range(values.index(wanted) + 1):  # the first option is "— choose —"
        page.keyboard.press("ArrowDown")


def test_the_figures_form_by_keyboard_alone(page, make_account):
    account = make_account("applicant")
    round_id = open_round("2026年度省级特色社区评选（键盘）", submission_deadline=deadline(30))
    signed_in(page, account)
    # Start the application: Tab to the round's button, Enter.
    tab_to(page, lambda el: el.tag == "BUTTON" and el.text == "开始申报")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    app_id = int(path_of(page).rstrip("/").split("/")[-1])
    assert fresh(Application, app_id).round_id == round_id

    # Every field in the order Tab gives them: a number typed, a choice made with the keys.
    tab_to(page, lambda el: el.name.startswith("figures."))
    seen = []
    while True:
        now = focused(page)
        if not now.name.startswith("figures."):
            break
        key = now.name.removeprefix("figures.")
        seen.append(key)
        if key in FC_FIGURES:
            if now.type == "checkbox":  # one of several choices: Space ticks the wanted ones
                if now.value in form_value(key):
                    page.keyboard.press("Space")
            elif now.tag == "SELECT":
                choose_by_keyboard(page, key)
            else:
                page.keyboard.type(form_value(key))
        page.keyboard.press("Tab")
    in_page = page.evaluate(
        "() => [...document.querySelectorAll("
        "'#figures-form [name^=\"figures.\"]:not([type=hidden])')]"
        ".map((el) => el.name.slice(8))"
    )
    assert seen == in_page and set(FC_FIGURES) <= set(seen)  # the focus follows the form's order
    assert now.tag == "BUTTON" and now.text == "保存草稿"
    # Shift+Tab goes back into the fields; Enter in a number field saves the draft (the first button).
    tab_to(page, lambda el: el.name.startswith("figures.") and el.type == "number", back=True)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 200, page.locator("#form-problems").all_inner_texts()
    stored = fresh(Application, app_id).figures
    assert {k: stored.get(k) for k in FC_FIGURES} == {
        k: (float(v) if FIELDS[k].type == "float" else v) for k, v in FC_FIGURES.items()
    }

    # Space on the second button: save and go to the summary; then Enter on the submit button.
    tab_to(page, lambda el: el.tag == "BUTTON" and el.text == "保存并检查提交")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert path_of(page) == f"/applicant/applications/{app_id}/submit"
    accept_dialogs(page)  # the confirmation is answered with Enter in the browser's own dialog
    tab_to(page, lambda el: el.id == "submit-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page) == f"/applicant/applications/{app_id}"
    expect(page.locator("main select, main textarea, main input[name^='figures.']")).to_have_count(0)
    assert fresh(Application, app_id).status == "submitted"


def test_the_problem_summary_names_the_figure_by_its_label(page, make_account):
    account = make_account("applicant")
    app_id = application_of(account, open_round("2026年度省级特色社区评选"), {})
    signed_in(page, account)
    page.goto(f"/applicant/applications/{app_id}")
    page.fill("#f-figures-households_resident", "60000")
    assert save_draft(page).status == 422
    summary = page.locator("#form-problems")
    expect(summary).to_be_visible()
    assert "households_resident" not in summary.inner_text()
