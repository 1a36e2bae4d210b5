"""A published list's frozen content: what the public reads, as one canonical JSON text, and its
SHA-256.

The text is ``json.dumps`` of the content with sorted keys, no spaces and UTF-8 characters as they
are; the hash is the SHA-256 of that text in UTF-8. Anyone can recompute it from the open data
(``GET /api/v1/public/shortlists/{id}`` gives the content and the hash).

The content names what the list was made from (the results snapshot's input hash, the criteria's
hash), the notice period, the version it supersedes and why, and per listed unit: 序号, name,
city, county, cohort, place in the cohort, total (two decimals) and grade. Nothing else: no
reviewer, no single score, no application that is not listed.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from datetime import date, datetime
from typing import Any

from evaluator.results.service import shown
from evaluator.workflow import ZONE_LABELS, ZONE_NAMES, ZoneType

FORMAT = 1
_PARSED: OrderedDict[str, dict[str, Any]] = OrderedDict()  # by SHA-256 of the text, newest last
_PARSED_MAX = 8


def canonical(content: dict[str, Any]) -> str:
    """The one serialisation of a content that is stored and hashed."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(text: str) -> str:
    """SHA-256 of a content's text (UTF-8), in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parsed(text: str, sha256: str) -> dict[str, Any]:
    """A content's text as data, kept per process under the hash computed from the text itself (read
    only: shared by every reader)."""
    found = _PARSED.pop(sha256, None)
    if found is None:
        found = json.loads(text)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.popitem(last=False)
    _PARSED[sha256] = found
    return found


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def build(
    *,
    kind: str,
    number: int,
    rnd: Any,
    published_at: datetime,
    notice: dict[str, Any] | None,
    results: dict[str, Any],
    criteria_sha256: str,
    lines: list[tuple[Any, Any]],
    grades: dict[str, Any],
    supersedes: dict[str, Any] | None = None,
    reason: str | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The content of a list: ``lines`` are (entry, organisation) of the listed applications in
    their order; ``grades`` the criteria's grades by code."""
    entries, cohorts = [], {}
    for no, (entry, org) in enumerate(lines, start=1):
        grade = grades.get(entry.grade)
        cohort = cohorts.setdefault(
            entry.cohort, {"number": entry.cohort, "zh": entry.cohort_zh, "en": entry.cohort_en, "listed": 0}
        )
        cohort["listed"] += 1
        entries.append(
            {
                "no": no,
                "organisation": org.name,
                "city": org.city,
                "county": org.county,
                "cohort": entry.cohort,
                "cohort_rank": entry.cohort_rank,
                "total": shown(entry.total),
                "grade_zh": grade.label if grade else None,
                "grade_en": grade.label_en if grade else None,
            }
        )
    zone = ZoneType(rnd.zone_type)
    return {
        "format": FORMAT,
        "kind": kind,
        "number": number,
        "round": {
            "title": rnd.title,
            "zone_type": zone.value,
            "zone_zh": ZONE_NAMES[zone],
            "zone_en": str(ZONE_LABELS[zone]),
        },
        "published_at": published_at.isoformat(timespec="seconds"),
        "notice": notice,
        "results": results,
        "criteria_sha256": criteria_sha256,
        "supersedes": supersedes,
        "correction_reason": reason,
        "changes": changes or [],
        "cohorts": sorted(cohorts.values(), key=lambda c: c["number"]),
        "entries": entries,
    }


def notice_of(rule: str, days: int, starts: date | None, ends: date | None) -> dict[str, Any]:
    """The notice period as the content states it."""
    return {"rule": rule, "days": days, "starts": _day(starts), "ends": _day(ends)}
