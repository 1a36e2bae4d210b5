"""The office's results pages: table, compute with CSRF, breakdown with its radar, statistics, exports."""

from __future__ import annotations

from tests.pages import post

EVIL = '=HYPERLINK("http://example.com","x")'


def test_results_pages(page_client, make_scored_round):
    sr = make_scored_round(n_apps=6, short=(3,), names=["<script>alert(1)</script>社区"])
    office = page_client("admin")
    base = f"/office/rounds/{sr.rnd.id}/results"
    page = office.get(base)
    assert page.status_code == 200 and "not been computed" in page.get_data(as_text=True)
    assert office.post(f"{base}/compute").status_code == 400  # no CSRF token
    response = post(office, f"{base}/compute")
    assert response.status_code == 303
    html = office.get(base).get_data(as_text=True)
    assert 'id="results"' in html and "<svg" in html and sr.rnd.criteria_sha256 in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert 'id="export-csv"' in html
    for query in (
        "?status=incomplete",
        "?sort=-total",
        "?city_code=510300",
        "?disagreement=true",
        "?grade=failed",
        "?page=99",
    ):
        assert office.get(base + query).status_code == 200, query
    assert office.get(base + "?status=bogus").status_code == 422
    detail = office.get(f"{base}/applications/{sr.apps[0].id}")
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200 and 'class="chart-radar"' in text and "<polygon" in text
    assert "style=" not in text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert office.get(f"{base}/applications/999999").status_code == 404
    assert office.get(f"{base}/reviewers").status_code == 200
    assert office.get(f"{base}/disagreements").status_code == 200
    csv = office.get(f"{base}/export?format=csv")
    assert csv.status_code == 200 and csv.get_data().startswith(b"\xef\xbb\xbf")
    assert office.get(f"{base}/export?format=xlsx&detail=scores").status_code == 200
    assert office.get(f"{base}/export?format=pdf").status_code == 404


def test_results_pages_refuse_other_roles(page_client, make_scored_round):
    sr = make_scored_round(n_apps=2)
    reviewer = page_client("reviewer")
    base = f"/office/rounds/{sr.rnd.id}/results"
    assert reviewer.get(base).status_code == 403
    assert post(reviewer, f"{base}/compute").status_code == 403


def test_compute_refused_in_the_wrong_phase_shows_the_reason(page_client, make_scored_round):
    sr = make_scored_round(n_apps=2, phase="open")
    office = page_client("admin")
    response = post(office, f"/office/rounds/{sr.rnd.id}/results/compute")
    assert response.status_code == 422
    assert "during the review" in response.get_data(as_text=True)


def test_every_results_page_refuses_anonymous_and_other_roles(app, client, page_client, make_scored_round):
    sr = make_scored_round(n_apps=2)
    base = f"/office/rounds/{sr.rnd.id}/results"
    pages = [
        base,
        f"{base}/applications/{sr.apps[0].id}",
        f"{base}/reviewers",
        f"{base}/disagreements",
        f"{base}/export",
        "/office/rounds/999999/results",
        f"{base}/applications/999999",
    ]
    for url in pages:
        res = client.get(url)
        assert res.status_code == 302 and "/sign-in" in res.headers["Location"], url
    for role in ("reviewer", "applicant", "county_office", "city_office"):
        other = page_client(role, **({"home_region_code": "510107"} if role.endswith("office") else {}))
        for url in pages:
            assert other.get(url).status_code == 403, (role, url)
        assert post(other, f"{base}/compute").status_code == 403


def test_pages_show_points_rounded_half_up(app):
    """2.675 (2.67499999999999982… in binary) shows as 2.68, a share of 12.5 % as 13 %."""
    from flask import render_template_string

    from evaluator.results.service import shown

    source = (
        '{% from "results/_parts.html" import pts, pct with context %}'
        "{{ pts(2.675) }} {{ pts(85.12499999999999) }} {{ pct(0.125) }} {{ pts(none) }}"
    )
    with app.test_request_context():
        assert render_template_string(source, shown=shown) == "2.68 85.13 13% —"
