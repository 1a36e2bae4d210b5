"""The results pages in the reader's words: no inner names, nothing of the other language.

- Every results page's snapshot facts read "校准 none (对照：zscore)": the criteria's calibration
  values as stored, in English, on a Chinese page.
- The breakdown's indicator table wrote each indicator's scoring method as its key (``range``,
  ``ratio``, ``expert``).
- In English, the criteria's own English names were left aside: the grades of the results table
  and its filter, the sections of the breakdown's indicator table and of its radar chart stayed
  Chinese (优秀, 基础) although the criteria give "Excellent", "Basics".
"""

from __future__ import annotations

import re


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _computed(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=4)
    assert client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin).status_code == 201
    return sr


def test_the_snapshot_facts_name_the_calibration_in_words(client, admin, page_client, make_scored_round):
    sr = _computed(client, admin, make_scored_round)
    base = f"/office/rounds/{sr.rnd.id}/results"
    for language in ("zh", "en"):
        office = page_client("admin", language=language)
        for url in (base, f"{base}/reviewers", f"{base}/disagreements"):
            html = office.get(url).get_data(as_text=True)
            facts = _text(
                html[html.index('id="snapshot"') : html.index("</dl>", html.index('id="snapshot"'))]
            )
            assert not re.search(r"\b(none|zscore)\b", facts), (language, url, facts)


def test_the_breakdown_names_each_indicators_method_in_words(client, admin, page_client, make_scored_round):
    sr = _computed(client, admin, make_scored_round)
    office = page_client("admin", language="zh")
    html = office.get(f"/office/rounds/{sr.rnd.id}/results/applications/{sr.apps[0].id}").get_data(
        as_text=True
    )
    table = html[html.index('id="indicators"') :]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    keys = {leaf.method for leaf in sr.criteria.leaves}
    assert keys & set(cells) == set(), sorted(keys & set(cells))


def test_an_english_reader_gets_the_criterias_english_names(client, admin, page_client, make_scored_round):
    sr = _computed(client, admin, make_scored_round)
    office = page_client("admin", language="en")
    base = f"/office/rounds/{sr.rnd.id}/results"
    table = office.get(base).get_data(as_text=True)
    for grade in sr.criteria.grades:
        assert grade.label not in table and grade.label_en in table, grade.code
    detail = office.get(f"{base}/applications/{sr.apps[0].id}").get_data(as_text=True)
    for section in sr.criteria.indicators:
        assert section.name not in detail and section.name_en in detail, section.id
