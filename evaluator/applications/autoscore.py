"""The indicators scored automatically from an application's figures (every method but ``expert``),
as the applicant reads them on the self-assessment: the rule in words, the figures it reads with
the application's values, and the points those values earn now — computed by the same methods the
results use (``criteria.registry``), on a table of this one application's figures.

A figure the rule needs that is missing earns 0 points in the results; here it is named, so the
applicant knows what to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from evaluator.applications.display import figure_text
from evaluator.criteria.model import CriteriaSet, Field, Indicator
from evaluator.criteria.registry import get_method
from evaluator.formatting import show_number
from evaluator.i18n import criteria_text, language, localise
from evaluator.messages import N_, Message, msg
from evaluator.scoring.figures import figure_row


@dataclass(frozen=True)
class AutoScore:
    """An automatic indicator of one application: its rule, the figures it reads, its points now."""

    rule: str
    points: float | None  # None: a figure the rule needs is missing (the results count 0)
    max_points: float
    figures: tuple[tuple[str, str], ...]  # (label, value as shown) of each figure it reads
    missing: tuple[str, ...]  # labels of the figures it needs that are not filled in


def auto_scores(cs: CriteriaSet, figures: dict[str, Any]) -> dict[str, AutoScore]:
    """Every automatic leaf of the criteria with its rule and the points ``figures`` earn now."""
    table = figure_row(cs, figures)
    fields = cs.field_map
    out: dict[str, AutoScore] = {}
    for leaf in cs.auto_leaves:
        method = get_method(leaf.method)
        share = float(method.score(leaf.params, table, leaf.points)[0])
        used = [fields[k] for k in method.uses(leaf.params) if k in fields]
        missing = tuple(criteria_text(f) for f in used if table.missing(f.key)[0])
        out[leaf.id] = AutoScore(
            rule=rule_text(leaf, fields, figures),
            points=None if np.isnan(share) else share * leaf.points,
            max_points=leaf.points,
            figures=tuple((criteria_text(f), _value(f, figures.get(f.key))) for f in used),
            missing=missing,
        )
    return out


def auto_total(scores: dict[str, AutoScore]) -> float:
    """The points the automatic indicators earn together (a missing figure earns 0)."""
    return float(sum(s.points or 0.0 for s in scores.values()))


def _value(f: Field, value: Any) -> str:
    text = figure_text(f, value)
    unit = unit_text(f)
    return f"{text} {unit}" if unit and text != "—" else text


def unit_text(f: Field) -> str:
    """A field's unit as the reader's language writes it: the criteria's units are Chinese words
    (户, 人) or symbols (%, m²); an English page shows the symbols only."""
    unit = f.unit or ""
    english = getattr(f, "unit_en", None)
    if language() == "en":
        return english or (unit if unit.isascii() or unit in ("m²",) else "")
    return unit


def _num(value: float | None, field: Field | None = None) -> str:
    if value is None:
        return "—"
    text = show_number(value, 2)
    unit = unit_text(field) if field is not None else ""
    return f"{text} {unit}" if unit else text


def _points(value: float) -> Message:
    if abs(value - 1.0) < 1e-9:  # a criteria file's exact 1
        return msg("%(points)s point", points=show_number(value, 2))
    return msg("%(points)s points", points=show_number(value, 2))


def _join(items: list[Any]) -> str:
    return ("; " if language() == "en" else "；").join(str(localise(i)) for i in items)


def rule_text(leaf: Indicator, fields: dict[str, Field], figures: dict[str, Any]) -> str:
    """How an automatic indicator turns the figures into points, in a sentence of the reader's
    language (the category's norm for a ``range`` by category: the application's category)."""
    p, kind = leaf.params, leaf.method

    def label(key: str) -> str:
        return criteria_text(fields[key]) if key in fields else key

    if kind == "threshold":
        f = fields.get(p.field)
        template = (
            N_("at most %(bound)s: %(points)s") if p.lower_is_better else N_("%(bound)s or more: %(points)s")
        )
        steps = [msg(template, bound=_num(b, f), points=_points(pts)) for b, pts in p.steps]
        return str(
            localise(msg("In steps by “%(field)s”: %(steps)s.", field=label(p.field), steps=_join(steps)))
        )
    if kind == "ratio":
        if p.per != 1:
            template = N_("“%(num)s” per %(per)s “%(den)s”: full marks at %(target)s, in proportion below.")
        else:
            template = N_("“%(num)s” ÷ “%(den)s”: full marks at %(target)s, in proportion below.")
        text = msg(
            template,
            num=label(p.numerator),
            den=label(p.denominator),
            per=show_number(p.per, 2),
            target=show_number(p.target, 2),
        )
        return str(localise(text))
    if kind == "boolean":
        template = (
            N_("Full marks when “%(field)s” is no.")
            if p.invert
            else N_("Full marks when “%(field)s” is yes.")
        )
        return str(localise(msg(template, field=label(p.field))))
    if kind == "count_of":
        f = fields.get(p.field)
        counted = p.of or (f.choice_values if f else ())
        full = p.full_at or len(counted)
        text = msg(
            "The items ticked under “%(field)s” count: full marks at %(full)s, in proportion below.",
            field=label(p.field),
            full=full,
        )
        return str(localise(text))
    if kind == "range":
        return _range_text(p, fields, figures, label)
    if kind == "improvement":
        text = msg(
            "“%(current)s” against a target of %(level)s (%(lw)s of the points) and its rise over "
            "“%(previous)s” against a target of %(gain)s (%(gw)s).",
            current=label(p.current),
            previous=label(p.previous),
            level=_num(p.level_target, fields.get(p.current)),
            gain=_num(p.gain_target, fields.get(p.current)),
            lw=f"{p.level_weight:.0%}",
            gw=f"{p.gain_weight:.0%}",
        )
        return str(localise(text))
    return str(localise(msg("Calculated from the figures on the form")))


def _range_text(p: Any, fields: dict[str, Field], figures: dict[str, Any], label) -> str:
    f = fields.get(p.field)
    band, prefix = p.band, None
    if p.by is not None:
        by = fields.get(p.by)
        category = figures.get(p.by)
        choice = next((c for c in (by.choices if by else ()) if c.value == category), None)
        if choice is None:
            text = msg("By the category in “%(by)s”: fill it in to see the norm.", by=label(p.by))
            return str(localise(text))
        band = (p.norms or {}).get(category)
        if band is None:
            return str(
                localise(
                    msg(
                        "Your category (%(category)s) has no norm: full marks.",
                        category=criteria_text(choice),
                    )
                )
            )
        prefix = msg("For your category (%(category)s): ", category=criteria_text(choice))
    if band.lo is not None and band.hi is not None:
        inside = msg("between %(lo)s and %(hi)s", lo=_num(band.lo, f), hi=_num(band.hi, f))
    elif band.lo is not None:
        inside = msg("%(lo)s or more", lo=_num(band.lo, f))
    else:
        inside = msg("at most %(hi)s", hi=_num(band.hi, f))
    if band.below > 0 or band.above > 0:
        template = N_("Full marks when “%(field)s” is %(inside)s; fewer points the further outside.")
    else:
        template = N_("Full marks when “%(field)s” is %(inside)s; none outside.")
    text = str(localise(msg(template, field=label(p.field), inside=inside)))
    return (str(localise(prefix)) + text) if prefix is not None else text
