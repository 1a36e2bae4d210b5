"""The results' charts and wording for people: the radar's labels and the distribution's texts stay
inside their charts (widths estimated from the characters' display widths), the distribution's
bins lie on the grade cut-offs, the breakdown names its totals and says 第 1 名 for a rank that
does not move, and the reviewer statistics head their count columns for what they count."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import numpy as np
import pytest

from evaluator.criteria.model import Grade
from evaluator.results.pages.radar import radar_chart, wrap
from evaluator.results.stats import distribution
from evaluator.web.charts import histogram_chart, text_width
from tests.pages import post

SVG = "{http://www.w3.org/2000/svg}"
LONG_ZH = "社区党组织建设与基层治理能力现代化示范引领"
LONG_EN = "Community party building and the modernisation of grass-roots governance"


def text_boxes(svg: str) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """The view box's size and every drawn line of text as (text, left, top, right, bottom), its
    width estimated by ``text_width`` at the font size, its height one font size above the
    baseline and a quarter below."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    size = float(root.get("font-size"))
    boxes = []
    for text in root.iter(f"{SVG}text"):
        anchor = text.get("text-anchor", "start")
        lines = list(text.iter(f"{SVG}tspan")) or [text]
        for line in lines:
            words = "".join(line.itertext()) if line is text else (line.text or "")
            x, y = float(line.get("x")), float(line.get("y"))
            w = text_width(words, size)
            left = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
            boxes.append((words, left, y - size, left + w, y + size / 4))
    return (width, height), boxes


def outside(svg: str) -> list[str]:
    (width, height), boxes = text_boxes(svg)
    return [
        f"{t!r} at {left:.0f}…{right:.0f} × {top:.0f}…{bottom:.0f} (view box {width:.0f} × {height:.0f})"
        for t, left, top, right, bottom in boxes
        if left < 0 or top < 0 or right > width or bottom > height
    ]


@pytest.mark.parametrize("n", [3, 4, 5, 6, 8])
@pytest.mark.parametrize(
    "names",
    [
        ["基础达标", "特色“五态”", "多元参与", "建设成效", "群众满意", "安全稳定", "创新发展", "长效机制"],
        [LONG_ZH] * 8,
        [LONG_EN] * 8,
        ["Basic standards", "Featured “five states”", "Broad participation", "Results of the work"] * 2,
    ],
)
def test_every_radar_label_lies_inside_the_chart(n, names):
    svg = radar_chart(
        names[:n], [1.0] * n, [0.75] * n, "雷达图", series=(LONG_ZH + "申报单位", "Round median")
    )
    assert outside(str(svg)) == []
    (_, _), boxes = text_boxes(str(svg))
    assert any(t.endswith("100%") for t, *_ in boxes)  # the shares are shown with the names


def test_a_long_name_wraps_between_words_or_characters():
    assert wrap("social organisations and volunteers", 160) == ["social organisations", "and volunteers"]
    lines = wrap(LONG_ZH, 100)
    assert len(lines) == 2 and all(text_width(x, 13) <= 100 for x in lines) and lines[-1].endswith("…")
    assert " …" not in "".join(wrap(LONG_EN, 100))  # no space before the ellipsis


def result_of(totals, grades, scale=100.0, bonus_cap=10.0):
    cs = SimpleNamespace(scale=scale, bonus_cap=bonus_cap, grades=grades)
    totals = np.array(totals, dtype=float)
    return SimpleNamespace(criteria=cs, total=totals, rank=np.arange(1, totals.size + 1))


GRADES = [
    Grade("excellent", "优秀", "Excellent", min_total=90),
    Grade("recognisable", "达标", "Recognisable", min_total=80),
    Grade("qualified", "合格", "Qualified", min_total=72.5),
    Grade("failed", "不合格", "Failed"),
]


def test_the_distribution_is_drawn_on_the_grade_cut_offs():
    # 89.99999999999999 is 90 computed with noise: on the cut-off, in the bin it opens.
    hist = distribution(result_of([61.0, 72.5, 74.0, 79.9, 89.99999999999999, 90.0, 104.0, 110.0], GRADES))
    edges = hist["edges"]
    assert {72.5, 80.0, 90.0} <= set(edges) and edges[0] == 0.0 and edges[-1] == 110.0
    assert all(b - a <= 5.0 for a, b in itertools.pairwise(edges))
    counts = dict(zip(itertools.pairwise(edges), hist["counts"], strict=True))
    assert counts[(70.0, 72.5)] == 0 and counts[(72.5, 75.0)] == 2 and counts[(90.0, 95.0)] == 2
    assert counts[(105.0, 110.0)] == 1 and sum(hist["counts"]) == 8
    assert hist["cutoffs"] == [
        {"total": 90.0, "grade": "excellent"},
        {"total": 80.0, "grade": "recognisable"},
        {"total": 72.5, "grade": "qualified"},
    ]


def test_the_distribution_chart_marks_the_cut_offs_and_fits():
    edges, counts = [60.0, 65.0, 70.0, 72.5, 75.0, 80.0, 85.0, 90.0, 95.0], [1, 2, 0, 5, 1, 3, 2, 2]
    bands = [
        (90.0, "优秀：90 分及以上"),
        (80.0, "达标：80 分及以上"),
        (72.5, "合格：72.5 分及以上"),
        (None, LONG_ZH * 3),
    ]
    svg = str(histogram_chart(edges, counts, bands, "得分分布"))
    assert outside(svg) == []
    root = ET.fromstring(svg)
    headings = ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == "band"]
    assert headings[:3] == [b[1] for b in bands[:3]] and headings[3].endswith("…")
    assert len([x for x in root.iter(f"{SVG}line") if x.get("class") == "cutoff"]) == 3
    rows = [re.sub(r"\s", "", "".join(g.find(f"{SVG}title").itertext())) for g in root.iter(f"{SVG}g")]
    assert rows[0] == "90–95:2" and rows[-1] == "60–65:1"  # the highest scores on top


def test_the_breakdown_names_its_totals_and_a_steady_rank(page_client, make_scored_round):
    sr = make_scored_round(n_apps=6)
    office = page_client("admin", language="zh")
    base = f"/office/rounds/{sr.rnd.id}/results"
    assert post(office, f"{base}/compute").status_code == 303
    texts = [office.get(f"{base}/applications/{a.id}").get_data(as_text=True) for a in sr.apps]
    assert not any("排名在" in t and re.search(r"在 (\d+) 至 \1 之间", t) for t in texts)
    summary = texts[0].split('id="summary"', 1)[1].split("</dl>", 1)[0]
    assert "总分" in summary and "正式得分" in summary and "对照：经 z 分数校准" in summary
    assert "未校准总分" not in summary and summary.count("<dt>") >= 5
    assert any(re.search(r"下均为第 \d+ 名", t) for t in texts)
    reviewers = office.get(f"{base}/reviewers").get_data(as_text=True)
    head = reviewers.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "申报管理" not in head and "评审申报数" in head and "评分条数" in head


def test_the_english_radar_names_the_sections_in_english(page_client, make_scored_round):
    sr = make_scored_round(n_apps=3)
    office = page_client("admin")
    base = f"/office/rounds/{sr.rnd.id}/results"
    assert post(office, f"{base}/compute").status_code == 303
    html = office.get(f"{base}/applications/{sr.apps[0].id}").get_data(as_text=True)
    svg = html.split('class="chart-radar"', 1)[1].split("</svg>", 1)[0]
    for section in sr.criteria.indicators:
        assert section.name_en in svg and section.name not in svg
    assert "Round median" in svg
