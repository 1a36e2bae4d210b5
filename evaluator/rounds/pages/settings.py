"""The office's page for a round's review settings: the region steps and quotas per city, the panel
size and maximum load, the conflict rules, the on-site group, blind mode and the disagreement spread.

The form always sends the whole settings (an unticked box is "off"); ``rounds.settings``
validates and stores them and audits the change, as ``PATCH /rounds/{id}/settings`` does.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.rounds.settings import settings_of, update_settings
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import (
    FormErrors,
    done,
    form_errors,
    get_or_404,
    page_user,
    posted_version,
    render_form,
)
from evaluator.workflow import Phase

CHECKBOXES = ("county_step", "city_step", "on_site_group", "blind")
CONFLICT_BOXES = ("same_region", "same_affiliation", "declared")
MAX_QUOTA_LINES = 300


def _number(raw: str | None, whole: bool) -> Any:
    """A form's number as int or float; the text itself when it is none (the schema names it)."""
    text = (raw or "").strip()
    try:
        return int(text) if whole else float(text)
    except ValueError:
        return text


def city_quota_lines(text: str) -> dict[str, dict[str, Any]]:
    """``510100 number 3`` / ``510700 share 0.4``, one city a line, as the settings' ``city_quotas``;
    422 naming ``city_quotas`` for a line that is not of that form."""
    quotas: dict[str, dict[str, Any]] = {}
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_QUOTA_LINES:
        raise ServiceError(
            422,
            msg("At most %(max)s cities have a quota of their own.", max=MAX_QUOTA_LINES),
            {"city_quotas": [msg("Too many lines.")]},
        )
    for k, line in enumerate(lines, start=1):
        parts = line.split()
        if len(parts) != 3 or parts[1] not in ("number", "share"):
            raise ServiceError(
                422,
                msg("Line %(line)s of the city quotas is not 'code number|share value'.", line=k),
                {"city_quotas": [msg("Line %(line)s: e.g. 510100 number 3.", line=k)]},
            )
        quotas[parts[0]] = {"kind": parts[1], "value": _number(parts[2], whole=False)}
    return quotas


def posted_settings(form: Any) -> dict[str, Any]:
    """The whole settings from the form (an unticked box: off; a blank maximum load: none)."""
    data: dict[str, Any] = {name: form.get(name) == "1" for name in CHECKBOXES}
    data["quota"] = {"kind": form.get("quota.kind") or "", "value": _number(form.get("quota.value"), False)}
    data["city_quotas"] = city_quota_lines(form.get("city_quotas", ""))
    data["reviewers_per_application"] = _number(form.get("reviewers_per_application"), True)
    data["inspectors_per_application"] = _number(form.get("inspectors_per_application"), True)
    if (form.get("max_declared_conflicts") or "").strip():  # left out: unchanged
        data["max_declared_conflicts"] = _number(form.get("max_declared_conflicts"), True)
    load = (form.get("max_load") or "").strip()
    data["max_load"] = _number(load, True) if load else None
    data["disagreement_spread"] = _number(form.get("disagreement_spread"), False)
    mads = (form.get("disagreement_mads") or "").strip()
    data["disagreement_mads"] = _number(mads, False) if mads else None
    data["conflicts"] = {name: form.get(f"conflicts.{name}") == "1" for name in CONFLICT_BOXES}
    data["conflicts"]["region_level"] = form.get("conflicts.region_level") or ""
    return data


def form_values(rnd: Round) -> dict[str, Any]:
    """The form's values from the round's stored settings (defaults filled in)."""
    s = settings_of(rnd).as_dict()
    names = (
        *CHECKBOXES,
        "reviewers_per_application",
        "inspectors_per_application",
        "max_declared_conflicts",
        "max_load",
        "disagreement_spread",
        "disagreement_mads",
    )
    values = {name: s[name] for name in names}
    values.update(
        {
            "quota.kind": s["quota"]["kind"],
            "quota.value": s["quota"]["value"],
            "conflicts.region_level": s["conflicts"]["region_level"],
        }
    )
    values.update({f"conflicts.{name}": s["conflicts"][name] for name in CONFLICT_BOXES})
    values["city_quotas"] = "\n".join(
        f"{code} {q['kind']} {q['value']:g}" for code, q in sorted(s["city_quotas"].items())
    )
    return values


def _flat_city_errors(errors: FormErrors) -> FormErrors:
    """Problems of single city quotas shown on the one city-quotas field."""
    for key in [k for k in errors if k.startswith("city_quotas.")]:
        errors.setdefault("city_quotas", []).extend(f"{key.split('.')[1]}: {m}" for m in errors.pop(key))
    return errors


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
def round_settings(round_id: int):
    """A round's review settings: shown always, changed before the review begins."""
    actor = page_user("round.settings")
    rnd = get_or_404(Round, round_id)
    values: dict[str, Any] = form_values(rnd)
    with form_errors() as errors:
        if request.method == "POST":
            values = {k: v for k, v in request.form.items() if k != "csrf_token"}
            for name in (*CHECKBOXES, *(f"conflicts.{n}" for n in CONFLICT_BOXES)):
                values[name] = request.form.get(name) == "1"
            update_settings(actor, rnd, posted_settings(request.form), posted_version())
            done(N_("The review settings were saved."))
            return redirect(url_for("office.round_settings", round_id=rnd.id))
    return render_form(
        "rounds/settings.html",
        _flat_city_errors(errors),
        rnd=rnd,
        values=values,
        editable=rnd.phase in (Phase.DRAFT, Phase.OPEN),
    )
