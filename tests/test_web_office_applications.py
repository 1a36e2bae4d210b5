"""The office's applications pages: the filtered, sorted, paged table, one application's page and
the download of its materials through the page route."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from evaluator.applications.models import Application
from evaluator.applications.service import update_application
from evaluator.extensions import db
from evaluator.materials import service as materials

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PLACES = [  # name, city, city_code, county, county_code, status, category
    ("望江社区", "成都市", "510100", "武侯区", "510107", "submitted", "urban"),
    ("玉林社区", "成都市", "510100", "锦江区", "510104", "draft", "relocation"),
    ("翠屏社区", "宜宾市", "511500", "翠屏区", "511502", "submitted", "relocation"),
    ("100%_社区", "宜宾市", "511500", "叙州区", "511503", "withdrawn", "urban"),
    ("东坡社区", "眉山市", "511400", "东坡区", "511402", "submitted", "urban"),
]


@pytest.fixture
def world(app, make_round, make_org):
    """A mini round with five applications in three cities, several statuses and categories."""
    rnd = make_round()
    apps = []
    base = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    for k, (name, city, city_code, county, county_code, status, category) in enumerate(PLACES):
        org = make_org(
            name=name,
            city=city,
            city_code=city_code,
            county=county,
            county_code=county_code,
            subdistrict_code=f"{county_code}001",
        )
        app_ = Application(
            round_id=rnd.id,
            organisation_id=org.id,
            status=status,
            figures={"category": category, "households": 2000 + k, "residents": 6000},
            self_assessment={},
            warnings=[] if k else [{"field": "households"}],
            submitted_at=base + timedelta(days=k) if status != "draft" else None,
        )
        db.session.add(app_)
        db.session.commit()
        apps.append(app_)
    return rnd, apps


def names(res) -> list[str]:
    """The organisations in the table, in order."""
    import re

    row = r'<th scope="row"><a href="/office/applications/\d+">([^<]+)</a>'
    return re.findall(row, res.get_data(as_text=True))


def test_filters_each_narrow_the_list(page_client, world):
    rnd, _ = world
    c = page_client("admin")
    get = lambda **q: names(c.get("/office/applications", query_string={"round": rnd.id, **q}))
    assert len(get()) == 5
    assert get(city_code="511500") == ["翠屏社区", "100%_社区"]
    assert get(county_code="510104") == ["玉林社区"]
    assert get(status="submitted") == ["望江社区", "翠屏社区", "东坡社区"]
    assert get(category="relocation") == ["玉林社区", "翠屏社区"]
    assert get(q="玉林") == ["玉林社区"]
    assert get(q="%") == ["100%_社区"] and get(q="_") == ["100%_社区"]
    assert get(city_code="510100", status="draft") == ["玉林社区"]
    assert get(city_code="", status="") == get()  # an unchosen select is no filter
    res = c.get("/office/applications", query_string={"round": rnd.id, "city_code": "51"})
    assert res.status_code == 422 and "Must be a 6-digit city code." in res.get_data(as_text=True)
    res = c.get("/office/applications", query_string={"round": rnd.id, "category": "castle"})
    assert res.status_code == 422 and "not one of the round&#39;s categories" in res.get_data(as_text=True)


def test_sort_orders(page_client, world):
    rnd, _ = world
    c = page_client("admin")
    get = lambda s: names(c.get("/office/applications", query_string={"round": rnd.id, "sort": s}))
    assert get("city") == ["望江社区", "玉林社区", "东坡社区", "翠屏社区", "100%_社区"]
    assert get("-county")[0] == "100%_社区"
    by_time = get("submitted_at")
    assert by_time[-1] == "玉林社区" and by_time[:4] == ["望江社区", "翠屏社区", "100%_社区", "东坡社区"]
    assert get("-submitted_at")[:4] == ["东坡社区", "100%_社区", "翠屏社区", "望江社区"]
    assert get("-submitted_at")[-1] == "玉林社区"  # no submission time: last either way
    assert get("status")[0] == "玉林社区" and get("status")[-1] == "100%_社区"
    assert get("-name") == list(reversed(get("name")))
    res = c.get("/office/applications", query_string={"round": rnd.id, "sort": "password"})
    assert res.status_code == 422


def test_pagination_50_a_page(page_client, make_round, make_org):
    rnd = make_round()
    for k in range(53):
        org = make_org(name=f"分页社区{k:03d}")
        db.session.add(
            Application(
                round_id=rnd.id,
                organisation_id=org.id,
                status="draft",
                figures={},
                self_assessment={},
                warnings=[],
            )
        )
    db.session.commit()
    c = page_client("admin")
    first = c.get("/office/applications", query_string={"round": rnd.id, "sort": "name"})
    assert len(names(first)) == 50 and "Page 1 of 2 (53 in all)" in first.get_data(as_text=True)
    second = c.get("/office/applications", query_string={"round": rnd.id, "sort": "name", "page": 2})
    assert names(second) == ["分页社区050", "分页社区051", "分页社区052"]
    assert '<td class="num">51</td>' in second.get_data(as_text=True)  # numbered across pages


def test_the_table_defaults_to_the_newest_open_round_and_shows_counts(page_client, world, make_round):
    rnd, _apps = world
    make_round(phase="draft", title="尚未开放的批次")
    c = page_client("admin")
    page = c.get("/office/applications").get_data(as_text=True)
    assert f'<option value="{rnd.id}" selected>' in page and "望江社区" in page
    assert "Export to Excel (XLSX)" in page and f"round={rnd.id}" in page


def test_office_pages_refuse_other_roles(page_client, client, world):
    rnd, apps = world
    for role in ("reviewer", "applicant"):
        c = page_client(role)
        for url in (
            "/office/applications",
            f"/office/applications/{apps[0].id}",
            f"/office/applications/export?round={rnd.id}&format=csv",
        ):
            assert c.get(url).status_code == 403, (role, url)
    res = client.get("/office/applications")
    assert res.status_code == 302 and "/sign-in" in res.headers["Location"]
    assert client.get(f"/office/applications/{apps[0].id}").status_code == 302


@pytest.fixture
def with_materials(app, world, make_user, monkeypatch, tmp_path):
    """The first application as a draft with an uploaded material, a warning and some history."""
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))
    _rnd, apps = world
    target = apps[1]  # the draft
    owner, _ = make_user("applicant", organisation=target.organisation)
    owner.display_name = "王主任"
    update_application(owner, target, {"category": "urban", "households": 9000}, None)
    material = materials.upload(owner, target, FileStorage(io.BytesIO(PDF)).stream, "台账.pdf", None, None)
    db.session.commit()
    return target, material, owner


def test_the_application_page_shows_figures_warnings_materials_history(page_client, with_materials):
    target, material, _owner = with_materials
    c = page_client("admin")
    page = c.get(f"/office/applications/{target.id}").get_data(as_text=True)
    assert c.get(f"/office/applications/{target.id}").status_code == 200
    assert target.organisation.name in page and "锦江区" in page
    assert 'id="figure-households"' in page and "9,000" in page
    assert "is outside the norm" in page  # the warning beside its figure
    assert f'href="/office/materials/{material.id}"' in page and material.sha256 in page
    assert "Evidence checklist" in page
    assert "王主任" in page and f"Changed the application of {target.organisation.name}." in page
    assert f"Uploaded the file “{material.filename}”" in page
    assert "2,001 → 9,000" in page
    assert c.get("/office/applications/999999").status_code == 404


def test_material_download_through_the_page_route(page_client, with_materials):
    _target, material, owner = with_materials
    res = page_client("admin").get(f"/office/materials/{material.id}")
    assert res.status_code == 200 and res.get_data() == PDF
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "attachment" in res.headers["Content-Disposition"]
    res.close()
    assert page_client("applicant").get(f"/office/materials/{material.id}").status_code == 403
    # an office page, also for the file's owner (who downloads it from the applicant's pages)
    assert page_client("applicant", user=owner).get(f"/office/materials/{material.id}").status_code == 403
    res = page_client("applicant", user=owner).get(f"/applicant/materials/{material.id}")
    assert res.status_code == 200 and res.get_data() == PDF
    res.close()
    assert page_client("admin").get("/office/materials/999999").status_code == 404


def test_the_page_reads_in_chinese(page_client, with_materials):
    target, _, _ = with_materials
    page = page_client("admin", language="zh").get(f"/office/applications/{target.id}").get_data(as_text=True)
    assert "户数" in page
