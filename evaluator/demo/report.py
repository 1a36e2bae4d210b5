"""Print the scored demo round: a ranked table per zone type and the special cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from evaluator.criteria.model import CriteriaSet
from evaluator.demo.round import demo_round
from evaluator.scoring.engine import score_round
from evaluator.text import pad
from evaluator.workflow import ResultStatus

Echo = Callable[[str], None]


WIDTHS = (4, 40, 7, 7, 5, 8, 6)
LEFT = (1, 5)


def _line(cells: list[str]) -> str:
    pairs = enumerate(zip(cells, WIDTHS, strict=True))
    return "  " + " ".join(pad(c, w, right=i not in LEFT) for i, (c, w) in pairs)


def _num(x: float) -> str:
    return "—" if pd.isna(x) else f"{x:.2f}"


def print_demo(sets: Sequence[CriteriaSet], applicants: int, top: int, seed: int, echo: Echo) -> None:
    """Score a demo round for every set and print what a provincial office would look at."""
    for cs in sets:
        demo = demo_round(cs, applicants=applicants, seed=seed)
        result = score_round(cs, demo.applications, demo.scores, demo.claims)
        table = result.table().join(demo.applications.set_index("id")[["name"]])
        echo("")
        echo(f"■ {cs.title}（{cs.zone_type}，{cs.id} v{cs.version}）")
        echo(
            f"  {len(table)} 个申报单位，{int((result.rank > 0).sum())} 个参与排名，"
            f"{int(result.vetoed.sum())} 个一票否决，{int((~result.complete).sum())} 个评审未完成"
        )
        echo(_line(["排名", "申报单位", "总分", "基础分", "加分", "等级", "百分位"]))
        for _, row in table[table["rank"].notna()].sort_values("rank").head(top).iterrows():
            echo(
                _line(
                    [
                        str(row["rank"]),
                        row["name"],
                        _num(row["total"]),
                        _num(row["base"]),
                        _num(row["bonus"]),
                        row["grade_label"],
                        f"{row['percentile']:.0f}",
                    ]
                )
            )
        for _, row in table[table["status"] == ResultStatus.VETOED.value].iterrows():
            echo(f"  ✗ {row['name']}：一票否决（{row['veto_reasons']}）")
        for _, row in table[table["status"] == ResultStatus.INCOMPLETE.value].iterrows():
            echo(
                f"  … {row['name']}：仅 {row['n_reviews']} 位专家评分，"
                f"少于 {cs.aggregation.min_reviews} 位，暂不计入"
            )
        for _, row in table[table["missing_figures"] != ""].iterrows():
            echo(f"  ! {row['name']}：缺少数据 {row['missing_figures']}，相关指标计 0 分")
