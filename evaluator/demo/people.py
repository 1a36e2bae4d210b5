"""The demo's people beyond the applicants: the expert roster with expertise, and the region offices.

Reviewers declare expertise as level-1 section ids of the bundled criteria sets (cgz: org, plan,
mech, svc, res; ssz: party, reform, supply, safety, tech, effect; fc: basic, feature,
participation, outcome). Region offices: one city office (市州民政局) per city of the demo's
counties and one county office (区县民政局) per county, each scoped to its code.
"""

from __future__ import annotations

from evaluator.demo.regions import COUNTIES

# username, name, affiliation, home region (county code), expertise (section ids)
REVIEWERS = (
    (
        "reviewer1",
        "李明远",
        "四川大学公共管理学院",
        "510107",
        ("org", "plan", "party", "reform", "basic", "participation"),
    ),
    (
        "reviewer2",
        "王晓芸",
        "西南财经大学社会发展研究院",
        "510115",
        ("mech", "res", "supply", "effect", "feature", "outcome"),
    ),
    (
        "reviewer3",
        "张建国",
        "四川省社会科学院社会学研究所",
        "510105",
        ("plan", "svc", "safety", "tech", "basic", "feature"),
    ),
    (
        "reviewer4",
        "陈丽华",
        "绵阳市民政局基层政权建设和社区治理科",
        "510703",
        ("org", "svc", "party", "safety", "basic", "outcome"),
    ),
    (
        "reviewer5",
        "刘思源",
        "宜宾市民政局",
        "511502",
        ("res", "mech", "reform", "effect", "participation", "outcome"),
    ),
    (
        "reviewer6",
        "赵文静",
        "西南交通大学公共管理学院",
        "510106",
        ("plan", "mech", "supply", "tech", "feature", "participation"),
    ),
    (
        "reviewer7",
        "黄志强",
        "四川省委党校（四川行政学院）",
        "510104",
        ("org", "res", "party", "reform", "basic", "outcome"),
    ),
    (
        "reviewer8",
        "周雅琴",
        "四川师范大学社会学系",
        "510108",
        ("svc", "mech", "supply", "effect", "feature", "participation"),
    ),
    ("reviewer9", "吴国华", "乐山市民政局", "511102", ("res", "svc", "safety", "tech", "basic", "outcome")),
    (
        "reviewer10",
        "郑晓燕",
        "南充市社会工作协会",
        "511302",
        ("org", "plan", "party", "supply", "participation", "feature"),
    ),
    (
        "reviewer11",
        "孙立平",
        "德阳市民政局",
        "510603",
        ("mech", "svc", "reform", "safety", "basic", "outcome"),
    ),
    (
        "reviewer12",
        "马丽娟",
        "电子科技大学公共管理学院",
        "510112",
        ("plan", "res", "tech", "effect", "feature", "participation"),
    ),
)
"""The expert roster: enough for panels of five under the conflict rules."""


def city_offices() -> list[tuple[str, str, str]]:
    """(username, display name, city code) of one office per city of the demo's counties."""
    seen: dict[str, str] = {}
    for county in COUNTIES:
        seen.setdefault(county.city_code, county.city)
    return [(f"city-{code}", f"{name}民政局", code) for code, name in seen.items()]


def county_offices() -> list[tuple[str, str, str]]:
    """(username, display name, county code) of one office per county of the demo."""
    return [(f"county-{c.county_code}", f"{c.city}{c.county}民政局", c.county_code) for c in COUNTIES]
