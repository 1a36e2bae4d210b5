"""The demo's last-year round after its review: the shortlist on public notice, two objections from
the public (one dismissed, one upheld, which published a corrected version), and the recognition
list once the notice was over — every step through the shortlists' services, back-dated as the
demo back-dates submissions, so that the public pages, the versions and the objections queue show
data at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from evaluator.accounts.models import User
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.shortlists import drafting, objections, publishing
from evaluator.shortlists import service as shortlists
from evaluator.shortlists.models import ShortlistEntry

OBJECTORS = (
    (
        "王建国",
        "13880001234",
        "该社区申报的“邻里中心”实际于申报截止后才投入使用，与申报材料所述不符，请予核查。",
    ),
    ("李女士", "li.resident@example.cn", "该社区的社区活动照片与邻近社区的申报材料雷同，怀疑材料不实。"),
)


def through_recognition(admin: User, rnd: Round, now: datetime) -> None:
    """Publish the round's shortlist 40 days ago (half of each cohort's eligible, 7 days of notice),
    receive two objections, dismiss the first, uphold the second (the unit removed, version 2
    published), and publish the recognition list now."""
    published = now - timedelta(days=40)
    draft = drafting.draft(
        admin,
        rnd,
        {"cohort_quota": {"kind": "share", "value": 0.5}, "notice_rule": "calendar", "notice_days": 7},
    )
    first = publishing.publish(admin, draft, at=published)
    listed = len(listed_ids(rnd.id))
    received = []
    for k, (name, contact, text) in enumerate(OBJECTORS):
        data = {"name": name, "contact": contact, "text": text, "entry_no": min(2 + k, listed) or None}
        received.append(objections.submit(first, data, at=published + timedelta(days=2 + k)))
    objections.decide(
        admin,
        received[0],
        {"outcome": "dismissed", "reason": "经实地核查，邻里中心于申报截止前已投入使用，异议不成立。"},
        at=published + timedelta(days=5),
    )
    named = objections.entry_of(received[1])
    if named is not None and listed >= 2:  # a list of one keeps its unit
        decision = {
            "outcome": "upheld",
            "remedy": "remove",
            "application_id": named.application_id,
            "reason": "经核查，部分活动照片确系借用其他社区材料，取消其推荐资格。",
        }
    else:
        decision = {"outcome": "dismissed", "reason": "未发现材料不实。"}
    objections.decide(admin, received[1], decision, at=published + timedelta(days=6))
    publishing.recognise(admin, rnd, at=now)


def listed_ids(round_id: int) -> list[int]:
    """The applications on the round's current shortlist (for the demo's report)."""
    current = shortlists.current(round_id)
    if current is None:
        return []
    return list(
        db.session.scalars(
            select(ShortlistEntry.application_id).where(
                ShortlistEntry.shortlist_id == current.id, ShortlistEntry.selected.is_(True)
            )
        )
    )
