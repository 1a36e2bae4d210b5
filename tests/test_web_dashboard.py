"""The office's dashboard: rounds with applications counted by status, applications per city as a
table and as an SVG chart drawn by the service, and the same figures from GET /api/v1/dashboard."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.web.charts import bar_chart

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(make_round, make_org):
    """A round with three applications from 成都市 (two submitted) and one from 绵阳市."""
    rnd = make_round(phase="open", title="2026年测试批次")
    chengdu = [make_org() for _ in range(3)]
    mianyang = make_org(city="绵阳市", city_code="510700", county="涪城区", county_code="510703")
    for org, status in (
        (chengdu[0], "submitted"),
        (chengdu[1], "submitted"),
        (chengdu[2], "draft"),
        (mianyang, "submitted"),
    ):
        db.session.add(Application(round_id=rnd.id, organisation_id=org.id, status=status, figures={}))
    db.session.commit()
    return rnd


def bars(svg: ET.Element) -> dict[str, float]:
    """Each bar's width by the label of its group."""
    found = {}
    for group in svg.iter(f"{SVG}g"):
        label = group.find(f"{SVG}text").text
        found[label] = float(group.find(f"{SVG}rect").get("width"))
    return found


def test_the_chart_is_valid_svg_with_bars_in_proportion_and_every_label_escaped():
    svg = str(bar_chart(["成都市", "<script>alert(1)</script>", "A & B"], [4, 2, 0], "Per city & <round>"))
    assert "<script>" not in svg and "style=" not in svg
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "Per city & <round>"
    assert root.find(f"{SVG}title").text == "Per city & <round>"
    widths = bars(root)
    assert set(widths) == {"成都市", "<script>alert(1)</script>", "A & B"}
    assert widths["成都市"] == pytest.approx(2 * widths["<script>alert(1)</script>"], abs=0.05)
    assert widths["A & B"] == 0
    empty = ET.fromstring(str(bar_chart([], [], "Nothing", empty="No applications yet.")))
    assert "No applications yet." in "".join(empty.itertext())
    with pytest.raises(ValueError):
        bar_chart(["a"], [1, 2], "x")


def test_the_dashboard_counts_applications_by_round_status_and_city(page_client, world):
    c = page_client("admin")
    res = c.get("/office/")
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and "2026年测试批次" in page and "Open for applications" in page
    row = re.search(rf'<tr id="round-{world.id}">.*?</tr>', page, re.S).group(0)
    assert re.search(r'data-status="submitted">3<', row) and re.search(r'data-status="draft">1<', row)
    assert re.search(r'data-status="total">4<', row)
    cities = re.search(r'<table id="cities-table">.*?</table>', page, re.S).group(0)
    assert cities.index("成都市") < cities.index("绵阳市")
    svg = ET.fromstring(re.search(r"<svg .*?</svg>", page, re.S).group(0))
    widths = bars(svg)
    assert widths["成都市"] == pytest.approx(3 * widths["绵阳市"], abs=0.05)
    one = c.get(f"/office/?round={world.id}")
    assert one.status_code == 200 and "in the round 2026年测试批次" in one.get_data(as_text=True)


def test_a_city_name_with_markup_is_escaped_on_the_page(page_client, make_round, make_org):
    rnd = make_round(phase="open")
    org = make_org(city="<script>x</script>&市")
    db.session.add(Application(round_id=rnd.id, organisation_id=org.id, status="draft", figures={}))
    db.session.commit()
    page = page_client("admin").get("/office/").get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;&amp;市" in page
    ET.fromstring(re.search(r"<svg .*?</svg>", page, re.S).group(0))


def test_the_dashboard_api_gives_the_same_figures_to_admins_only(client, make_user, world):
    _, admin = make_user("admin")
    _, reviewer = make_user("reviewer")
    assert client.get("/api/v1/dashboard").status_code == 401
    assert client.get("/api/v1/dashboard", headers=reviewer).status_code == 403
    res = client.get("/api/v1/dashboard", headers=admin)
    assert res.status_code == 200, res.json
    (item,) = res.json["rounds"]
    assert item["id"] == world.id and item["counts"]["submitted"] == 3 and item["total"] == 4
    assert item["phase"] == "open" and item["zone_type"] == world.zone_type
    assert [(c["city"], c["total"]) for c in res.json["cities"]] == [("成都市", 3), ("绵阳市", 1)]
    assert res.json["totals"]["draft"] == 1 and res.json["total"] == 4
    one = client.get(f"/api/v1/dashboard?round_id={world.id}", headers=admin)
    assert one.status_code == 200 and one.json["cities"][0]["counts"]["draft"] == 1


def test_the_dashboard_page_refuses_other_roles(app, page_client):
    assert page_client("reviewer").get("/office/").status_code == 403
    assert page_client("applicant").get("/office/").status_code == 403
    res = app.test_client().get("/office/")
    assert res.status_code == 302 and res.location.startswith("/sign-in")
