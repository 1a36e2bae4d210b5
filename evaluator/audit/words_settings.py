"""What changed in a round or its review settings, as lines people read: each setting by its label,
its values in words (on/off, a number or a share of applications, cities by name, times in Beijing
time) — for the sentences of ``round.updated`` and ``round.settings_changed``."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from markupsafe import Markup

from evaluator.audit.wording import say, time_words
from evaluator.formatting import label, show_number
from evaluator.i18n import language
from evaluator.messages import N_

ROUND_FIELDS = {
    "title": N_("Title"),
    "opens_at": N_("Opens"),
    "submission_deadline": N_("Submission deadline"),
    "review_deadline": N_("Review deadline"),
    "notice_days": N_("Days of public notice"),
    "zone_type": N_("Kind of pilot unit"),
}
CRITERIA_FIELDS = ("criteria_id", "criteria_version", "criteria_sha256")
SETTINGS = {
    "county_step": N_("County step"),
    "city_step": N_("City step"),
    "quota": N_("Every city's quota"),
    "city_quotas": N_("Quotas of single cities"),
    "reviewers_per_application": N_("Reviewers per application"),
    "max_load": N_("Most applications per reviewer"),
    "on_site_group": N_("Separate on-site inspection group"),
    "inspectors_per_application": N_("Inspectors per application"),
    "max_declared_conflicts": N_("Most conflicts one reviewer or one applicant may declare"),
    "blind": N_("Blind review"),
    "disagreement_spread": N_("Disagreement spread"),
}
CONFLICT_RULES = {
    "same_region": N_("Conflict rule: the reviewer's own region"),
    "region_level": N_("Region for that rule"),
    "same_affiliation": N_("Conflict rule: the reviewer's own affiliation"),
    "declared": N_("Conflict rule: accepted declared conflicts"),
}


def _line(what: str, before: str, after: str) -> Markup:
    return say(gettext("%(what)s: %(before)s → %(after)s"), what=gettext(what), before=before, after=after)


def round_changes(changed: dict[str, Any]) -> list[Markup]:
    """A round's changed title, dates, days of notice and criteria set, one line each."""
    lines = []
    for key, change in changed.items():
        if key in CRITERIA_FIELDS:
            continue
        before, after = change.get("before"), change.get("after")
        if key in ("opens_at", "submission_deadline", "review_deadline"):
            before, after = time_words(before), time_words(after)
        elif key == "zone_type":
            before, after = label("zone", before), label("zone", after)
        elif key == "notice_days":
            before, after = show_number(before), show_number(after)
        if key in ROUND_FIELDS:
            lines.append(_line(ROUND_FIELDS[key], before if before is not None else "—", after))
    if any(key in changed for key in CRITERIA_FIELDS):
        lines.append(say(gettext("The criteria set was replaced.")))
    return lines


def _switch(value: Any) -> str:
    return gettext("on") if value else gettext("off")


def quota_words(quota: Any) -> str:
    """A quota as people say it: a number of applications, or a share of the city's."""
    if not isinstance(quota, dict):
        return "—"
    if quota.get("kind") == "number":
        return gettext("%(n)s applications", n=show_number(quota.get("value")))
    return gettext("a share of %(share)s of the city's applications", share=show_number(quota.get("value")))


def _city_quotas(value: Any, places: dict[str, str]) -> str:
    if not value:
        return gettext("none")
    parts = [
        f"{places.get(code, code)}：{quota_words(q)}"
        if language() == "zh"
        else f"{places.get(code, code)}: {quota_words(q)}"
        for code, q in sorted(value.items())
    ]
    return ("；" if language() == "zh" else "; ").join(parts)


def _value(key: str, value: Any, places: dict[str, str]) -> str:
    if key in ("county_step", "city_step", "on_site_group", "blind"):
        return _switch(value)
    if key == "quota":
        return quota_words(value)
    if key == "city_quotas":
        return _city_quotas(value, places)
    if key == "max_load" and value is None:
        return gettext("no maximum")
    return show_number(value)


def settings_changes(changed: dict[str, Any], places: dict[str, str]) -> list[Markup]:
    """A round's changed review settings, one line each (the conflict rules one line a rule)."""
    lines = []
    for key, change in changed.items():
        before, after = change.get("before"), change.get("after")
        if key == "conflicts":
            for rule, what in CONFLICT_RULES.items():
                old, new = (before or {}).get(rule), (after or {}).get(rule)
                if old == new:
                    continue
                if rule == "region_level":
                    lines.append(_line(what, label("level", old), label("level", new)))
                else:
                    lines.append(_line(what, _switch(old), _switch(new)))
        elif key in SETTINGS:
            lines.append(_line(SETTINGS[key], _value(key, before, places), _value(key, after, places)))
    return lines
