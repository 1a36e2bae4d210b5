"""How an application's figures are shown and edited on the pages of every feature: fields grouped by
the indicator section that uses them, each field's control, the words for how an indicator is checked,
the figures as a form shows them, warnings by field, and the whole application as the offices read it
(``office_view``). Criteria texts are shown in the reader's language by ``i18n.criteria_text``."""

from __future__ import annotations

import dataclasses
from typing import Any

from evaluator.applications import intake
from evaluator.applications.models import Application
from evaluator.applications.transitions import check_editable
from evaluator.criteria.model import CriteriaSet, Field, Indicator
from evaluator.errors import ServiceError
from evaluator.i18n import criteria_text, join_list, localise
from evaluator.materials.service import checklist, materials_of
from evaluator.messages import N_
from evaluator.rounds.service import round_criteria

CHECK_LABELS = {
    "materials": N_("Review of the uploaded materials"),
    "on_site": N_("On-site inspection"),
    "survey": N_("Residents' survey"),
    "data": N_("Check of the reported figures"),
}
EXPERT_METHOD = N_("Scored by the expert reviewers")
AUTO_METHOD = N_("Calculated from the figures on the form")
OTHER_FIGURES = N_("Other figures")


def _referenced(params: Any, keys: dict[str, Field]) -> list[str]:
    """The field keys an automatic indicator's parameters name."""
    found: list[str] = []
    if params is None or not dataclasses.is_dataclass(params):
        return found
    for item in dataclasses.fields(params):
        value = getattr(params, item.name)
        for v in value if isinstance(value, list | tuple) else [value]:
            if isinstance(v, str) and v in keys and v not in found:
                found.append(v)
    return found


def field_groups(cs: CriteriaSet) -> list[tuple[str, str, list[Field]]]:
    """The form's fields as (id, legend, fields): each field under the first section of the indicator
    tree whose indicators use it, in the form's order; fields no indicator uses under "Other figures"."""
    section_of: dict[str, str] = {}
    for leaf in cs.auto_leaves:
        for key in _referenced(leaf.params, cs.field_map):
            section_of.setdefault(key, leaf.section)
    groups: list[tuple[str, str, list[Field]]] = []
    for section in cs.indicators:
        members = [f for f in cs.fields if section_of.get(f.key) == section.id]
        if members:
            groups.append((section.id, criteria_text(section), members))
    rest = [f for f in cs.fields if f.key not in section_of]
    if rest:
        groups.append(("other", str(localise(OTHER_FIGURES)), rest))
    return groups


def control(f: Field) -> dict[str, Any]:
    """The macro arguments of a field's control: input type, bounds and step, or the choices."""
    if f.type == "bool":
        from flask_babel import gettext

        return {"choices": [("yes", gettext("Yes")), ("no", gettext("No"))]}
    if f.type in ("enum", "multi"):
        return {"choices": [(c.value, criteria_text(c)) for c in f.choices], "multiple": f.type == "multi"}
    if f.type == "int":
        return {"type": "number", "min": _bound(f.min), "max": _bound(f.max), "step": 1}
    if f.type == "float":
        return {"type": "number", "min": _bound(f.min), "max": _bound(f.max), "step": "any"}
    return {"type": "textarea", "maxlength": 2000}


def _bound(value: float | None) -> str | None:
    return None if value is None else plain(value)


def plain(value: Any) -> str:
    """A number as an input holds it: no separators, no needless decimals, nothing rounded."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def shown(f: Field, value: Any) -> Any:
    """A stored figure as the form's control holds it."""
    if value is None:
        return None
    if f.type == "bool":
        return "yes" if value else "no"
    if f.type == "multi":
        return list(value)
    if f.type in ("int", "float"):
        return plain(value)
    return value


def form_values(cs: CriteriaSet, figures: dict[str, Any]) -> dict[str, Any]:
    """The stored figures as the form shows them, by field key."""
    return {f.key: shown(f, figures.get(f.key)) for f in cs.fields}


def posted_values(cs: CriteriaSet, form: Any) -> dict[str, Any]:
    """What the reader entered, as it was entered (shown again on a refused form)."""
    return {
        f.key: form.getlist(f"figures.{f.key}") if f.type == "multi" else form.get(f"figures.{f.key}")
        for f in cs.fields
    }


def warnings_by_field(cs: CriteriaSet, figures: dict[str, Any]) -> dict[str, list[str]]:
    """The intake warnings of the figures, in the reader's language, by the field they concern."""
    out: dict[str, list[str]] = {}
    for warning in intake.intake_warnings(cs, figures):
        out.setdefault(warning["field"], []).append(str(localise(warning["message"])))
    return out


def how_checked(leaf: Indicator) -> list[str]:
    """The words for how an indicator is checked, in the reader's language."""
    return [str(localise(CHECK_LABELS[c])) if c in CHECK_LABELS else c for c in leaf.check]


def method_label(leaf: Indicator) -> str:
    """Whether the indicator is scored by the experts or calculated from the figures."""
    return str(localise(EXPERT_METHOD if leaf.method == "expert" else AUTO_METHOD))


def figure_text(f: Field, value: Any) -> str:
    """A stored figure as the read-only view shows it (choices by their names)."""
    from flask_babel import gettext

    from evaluator.formatting import show_number

    if value is None or value == [] or value == "":
        return "—"
    if f.type == "bool":
        return gettext("Yes") if value else gettext("No")
    names = {c.value: criteria_text(c) for c in f.choices}
    if f.type == "enum":
        return names.get(value, value)
    if f.type == "multi":
        return join_list(names.get(v, v) for v in value)
    if f.numeric:
        return show_number(value)
    return str(value)


def editable(app: Application) -> bool:
    """Whether the application's figures and materials may change now (the service's own rule)."""
    try:
        check_editable(app)
    except ServiceError:
        return False
    return True


def office_view(app: Application) -> dict[str, Any]:
    """An application as the provincial and the region offices read it, the context of the template
    ``applications/_application.html``: its organisation and round, the figures under the criteria's
    groups with their intake warnings, the self-assessment and the bonus items claimed, the
    materials (by upload) and the evidence checklist."""
    cs = round_criteria(app.round)
    figures, scores, bonus = app.figures or {}, app.self_assessment or {}, cs.bonus_map
    return {
        "app": app,
        "org": app.organisation,
        "rnd": app.round,
        "cs": cs,
        "groups": field_groups(cs),
        "figures": figures,
        "warnings": warnings_by_field(cs, figures),
        "figure_text": figure_text,
        "leaves": {leaf.id: leaf for leaf in cs.leaves},
        "kinds": {m.key: m for m in cs.materials},
        "assessed": [(leaf, scores[leaf.id]) for leaf in cs.leaves if leaf.id in scores],
        "claims": [bonus[b] for b in (app.bonus_claims or []) if b in bonus],
        "materials": materials_of(app),
        "evidence": checklist(app),
    }
