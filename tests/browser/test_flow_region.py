"""The region offices in a real browser, in Chinese: the county office endorses two applications of
its county from its queue; the city office records its check of each (the ranking offers no rank
box before it), then ranks them on the ranking page — two over a quota of one is refused on the
form, one within it is saved and the quota shows 1 / 1."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.rounds.models import Round
from tests.browser.helpers import (
    FC_FIGURES,
    accept_dialogs,
    application_of,
    fresh,
    open_round,
    path_of,
    signed_in,
)

pytestmark = pytest.mark.browser


def test_county_endorses_city_recommends_within_the_quota(page, new_page, make_account, axe):
    round_id = open_round("2026年度特色社区（市级推荐）")
    rnd = db.session.get(Round, round_id)
    rnd.settings = {"quota": {"kind": "number", "value": 1}}
    db.session.commit()
    db.session.close()
    applicants = [make_account("applicant") for _ in range(2)]
    ids = [application_of(a, round_id, FC_FIGURES, submit=True) for a in applicants]
    county = make_account("county_office", home_region_code="510107", display_name="武侯区民政局")
    city = make_account("city_office", home_region_code="510100", display_name="成都市民政局")

    # The county office: its queue, each application's check form, endorse.
    signed_in(accept_dialogs(page), county)  # 同意上报 asks for confirmation
    assert path_of(page).startswith("/region/")
    expect(page.locator("#queue")).to_be_visible()
    axe(page)
    for ident in ids:
        page.locator(f"#application-{ident} a").click()
        expect(page.locator("#figures")).to_be_visible()
        page.locator("#f-endorse-note").fill("材料齐全，同意上报")
        page.locator("#endorse-form button[type=submit]").click()
        expect(page.locator("#queue")).to_be_visible()  # back on the queue
        assert fresh(Application, ident).status == "endorsed"

    # The city office: record the check, then rank within the quota of one.
    other = new_page()
    signed_in(other, city)
    other.locator(f"#application-{ids[0]} a").click()
    other.locator("#f-passed-yes").check()
    other.locator("#f-check-note").fill("核实无误")
    other.locator("#check-form button[type=submit]").click()
    expect(other.locator("#checks")).to_contain_text("核实无误")
    axe(other)
    other.locator("#acts a[href^='/region/ranking']").click()
    expect(other.locator("#quota-used")).to_contain_text("0")
    # the second has no check yet: no rank box, a link to its check form instead
    expect(other.locator(f"#f-rank-{ids[1]}")).to_have_count(0)
    other.locator(f"#needs-check-{ids[1]}").click()
    other.locator("#f-passed-yes").check()
    other.locator("#check-form button[type=submit]").click()
    expect(other.locator("#recommend-state")).to_be_visible()
    other.locator("#recommend-state a").click()
    other.locator(f"#f-rank-{ids[0]}").fill("1")
    other.locator(f"#f-rank-{ids[1]}").fill("2")
    other.locator("#ranking-form button[type=submit]").click()
    expect(other.locator("#form-problems")).to_be_visible()
    assert fresh(Application, ids[1]).status == "endorsed"
    other.locator(f"#f-rank-{ids[1]}").fill("")
    other.locator("#ranking-form button[type=submit]").click()
    expect(other.locator("#quota-used")).to_contain_text("1 / 1")
    axe(other)
    recommended = fresh(Application, ids[0])
    assert (recommended.status, recommended.city_rank) == ("recommended", 1)
    assert fresh(Application, ids[1]).status == "endorsed"
