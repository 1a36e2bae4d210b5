"""A published list as the public reads it: the few facts an entity tag is made of (read without the
content, so that a conditional request costs one small query), the content checked against its
hashes, and the open-data files (CSV, XLSX).

The entity tag changes with anything the reader would see change: the content's hash, the version
that supersedes it, the round's newest published list (a page links every version, and the
recognition list once there is one), the notice period's state (before, open, closed) and — for
pages — the reader's language and who is signed in. A content changed in the database behind the
service's back is caught when the content is served (``service.verify``): the page and the data say
it is tampered with, and the answer is neither cached nor given the list's usual tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.shortlists import content, service
from evaluator.shortlists.models import Shortlist
from evaluator.spreadsheets.export import FORMATS, Export, to_csv, to_xlsx
from evaluator.workflow import ListKind, ListState

HEADER = ["序号", "单位名称", "所属市州", "区县", "组别", "得分", "等次"]


@dataclass(frozen=True)
class Head:
    """What a published list's tag is made of, and what its page needs before the content."""

    id: int
    round_id: int
    kind: str
    number: int
    sha256: str
    notice_starts: date | None
    notice_ends: date | None
    superseded_by: tuple[int, int] | None
    round_title: str
    newest: int
    """The id of the round's newest published list, of either kind."""

    @property
    def notice(self) -> str | None:
        """The notice period's state today: before, open, closed (None for a recognition list)."""
        return service.notice_state(self)

    def tag(self, *parts: Any) -> str:
        """The entity tag (unquoted) of the list as served, with the reader's ``parts``."""
        newer = self.superseded_by[1] if self.superseded_by else 0
        parts = (self.sha256[:24], newer, self.newest, self.notice or "final", *parts)
        return "-".join(str(p) for p in parts)


_HEAD_QUERY: Any = None  # built once: an alias made anew for each request costs more than the query


def _head_query() -> Any:
    global _HEAD_QUERY
    if _HEAD_QUERY is None:
        newer, other = aliased(Shortlist), aliased(Shortlist)
        newest = (
            select(func.max(other.id))
            .where(other.round_id == Shortlist.round_id, other.state == ListState.PUBLISHED.value)
            .scalar_subquery()
        )
        _HEAD_QUERY = (
            select(
                Shortlist.id,
                Shortlist.round_id,
                Shortlist.kind,
                Shortlist.number,
                Shortlist.sha256,
                Shortlist.notice_starts,
                Shortlist.notice_ends,
                newer.id,
                newer.number,
                Round.title,
                newest,
            )
            .join(Round, Shortlist.round_id == Round.id)
            .outerjoin(
                newer, (newer.supersedes_id == Shortlist.id) & (newer.state == ListState.PUBLISHED.value)
            )
            .where(Shortlist.id == bindparam("shortlist_id"), Shortlist.state == ListState.PUBLISHED.value)
            .limit(1)
        )
    return _HEAD_QUERY


def head(shortlist_id: int) -> Head | None:
    """A published list's head (None for a draft or an id that does not exist: nothing unpublished
    is ever answered), in one query: a conditional request costs no more."""
    row = db.session.execute(_head_query(), {"shortlist_id": shortlist_id}).first()
    if row is None:
        return None
    return Head(*row[:7], (row[7], row[8]) if row[7] is not None else None, row[9], row[10])


@dataclass(frozen=True)
class Served:
    """A published list's content as served, with its check."""

    head: Head
    data: dict[str, Any]
    check: service.Check

    @property
    def tampered(self) -> bool:
        """Whether the content no longer matches its hashes."""
        return not self.check.intact


def served(h: Head) -> Served:
    """The list's content read afresh and checked against the stored and the recorded hash."""
    text, _stored = service.frozen_text(h.id)
    check = service.verify(h, text)
    try:
        data = content.parsed(text or "", check.computed or "")
    except ValueError:  # changed beyond reading: the facts of the head alone
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        data = {}
    skeleton = {
        "kind": h.kind,
        "number": h.number,
        "round": {"title": h.round_title},
        "published_at": "",
        "notice": None,
        "cohorts": [],
        "entries": [],
        "changes": [],
    }
    return Served(h, {**skeleton, **data}, check)


def other_versions(round_id: int) -> list[dict[str, Any]]:
    """Every published list of the round (both kinds), for the links between versions."""
    rows = db.session.execute(
        select(Shortlist.id, Shortlist.kind, Shortlist.number, Shortlist.published_at)
        .where(Shortlist.round_id == round_id, Shortlist.state == ListState.PUBLISHED.value)
        .order_by(Shortlist.kind.desc(), Shortlist.number)
    ).all()
    return [{"id": r[0], "kind": r[1], "number": r[2], "published_at": r[3]} for r in rows]


def facts(s: Served, objection_url: str | None) -> list[list[Any]]:
    """The lines after the table in the open-data files: the notice period, the hash, how to object."""
    data = s.data
    lines = [
        [],
        ["名单", data["round"]["title"]],
        ["版本", data["number"]],
        ["发布时间", data["published_at"]],
    ]
    notice = data.get("notice")
    if notice:
        lines.append(["公示期", f"{notice['starts']} 至 {notice['ends']}"])
    lines.append(["SHA-256", s.check.stored])
    if s.tampered:
        lines.append(["校验", "内容与发布时的 SHA-256 不符：数据已被改动"])
    if data["kind"] == ListKind.SHORTLIST and objection_url:
        lines.append(
            ["异议方式", f"公示期内在 {objection_url} 提交书面异议（署名、联系方式、理由，可附证明材料）"]
        )
    return lines


def export(s: Served, fmt: str, objection_url: str | None) -> Export:
    """The list as CSV or XLSX: 序号, 单位名称, 所属市州, 区县, 组别, 得分, 等次, then the facts."""
    cohorts = {c["number"]: c["zh"] for c in s.data["cohorts"]}
    rows = [
        [
            e["no"],
            e["organisation"],
            e["city"],
            e["county"],
            cohorts.get(e["cohort"], ""),
            e["total"],
            e["grade_zh"],
        ]
        for e in s.data["entries"]
    ]
    rows += facts(s, objection_url)
    name = "认定名单" if s.data["kind"] == ListKind.RECOGNITION else "公示名单"
    filename = f"{s.data['round']['title']}{name}（第{s.data['number']}版）.{fmt}"
    fallback = f"{s.data['kind']}-{s.head.id}.{fmt}"
    data = to_csv(HEADER, rows) if fmt == "csv" else to_xlsx(HEADER, rows, name)
    return Export(data, FORMATS[fmt], filename, fallback)
