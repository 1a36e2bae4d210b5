"""The office's page for a round's review settings: the region steps and quotas per city, the panel
size and maximum load, the conflict rules, the on-site group, blind mode and the disagreement spread.

The form always sends the whole settings (an unticked box is "off"); the quotas of single cities
are a table with a row per city (its name, how its quota is counted, the value). ``rounds.settings``
validates and stores them and audits the change, as ``PATCH /rounds/{id}/settings`` does.
"""

from __future__ import annotations

import re
from typing import Any

from flask import redirect, request, url_for
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from evaluator.accounts.places import cities
from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.rounds.settings import MAX_CITY_QUOTAS, settings_of, update_settings
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import (
    FORM_NOT_VALID,
    REQUIRED,
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
REQUIRED_NUMBERS = (
    "quota.value",
    "reviewers_per_application",
    "inspectors_per_application",
    "disagreement_spread",
)
QUOTA_KINDS = ("number", "share")
_CITY_ROW = re.compile(r"city\.([0-9]{6})\.kind")


def _number(raw: str | None, whole: bool) -> Any:
    """A form's number as int or float; the text itself when it is none (the schema names it)."""
    text = (raw or "").strip()
    try:
        return int(text) if whole else float(text)
    except ValueError:
        return text


class CityQuotaRow(Schema):
    """One row of the table of single cities' quotas: no kind (the city has every city's quota), or
    a number or a share with its value."""

    kind = fields.String(
        load_default=None, validate=validate.OneOf(QUOTA_KINDS, error=N_("Choose an entry of the list."))
    )
    value = fields.Float(load_default=None, allow_nan=False)

    @pre_load
    def _blank_is_missing(self, data: dict, **kwargs: object) -> dict:
        """An empty input is a value not given."""
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}

    @validates_schema
    def _both_or_neither(self, data: dict, **kwargs: object) -> None:
        """A kind needs its value; a value needs its kind."""
        if data.get("kind") and data.get("value") is None:
            raise ValidationError(msg(REQUIRED), "value")
        if data.get("value") is not None and not data.get("kind"):
            raise ValidationError(msg("Choose a number or a share for this value."), "kind")


def city_rows(form: Any) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The table's rows (fields ``city.<code>.kind`` and ``city.<code>.value``) as the settings'
    ``city_quotas``, and the problems of its rows by field name."""
    quotas: dict[str, dict[str, Any]] = {}
    errors: dict[str, Any] = {}
    codes = [m.group(1) for m in map(_CITY_ROW.fullmatch, form) if m]
    if len(codes) > MAX_CITY_QUOTAS:
        return {}, {
            "city_quotas": [msg("At most %(max)s cities have a quota of their own.", max=MAX_CITY_QUOTAS)]
        }
    for code in codes:
        raw = {"kind": form.get(f"city.{code}.kind", ""), "value": form.get(f"city.{code}.value", "")}
        try:
            row = CityQuotaRow().load(raw)
        except ValidationError as exc:
            errors.update({f"city.{code}.{k}": v for k, v in exc.messages.items()})
            continue
        if row["kind"]:
            quotas[code] = {"kind": row["kind"], "value": row["value"]}
    return quotas, errors


def posted_settings(form: Any) -> dict[str, Any]:
    """The whole settings from the form (an unticked box: off; a blank maximum load: none); a 422
    naming a required number left blank and the table's rows in error."""
    data: dict[str, Any] = {name: form.get(name) == "1" for name in CHECKBOXES}
    data["quota"] = {"kind": form.get("quota.kind") or "", "value": _number(form.get("quota.value"), False)}
    data["city_quotas"], errors = city_rows(form)
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
    for name in REQUIRED_NUMBERS:
        if not (form.get(name) or "").strip():
            errors[name] = [msg(REQUIRED)]
    for name in ("quota.kind", "conflicts.region_level"):
        if not form.get(name):
            errors[name] = [msg(REQUIRED)]
    if errors:
        raise ServiceError(422, msg(FORM_NOT_VALID), errors)
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
    for code, q in s["city_quotas"].items():
        values[f"city.{code}.kind"] = q["kind"]
        values[f"city.{code}.value"] = f"{q['value']:g}"
    return values


def _row_errors(errors: FormErrors) -> FormErrors:
    """The service's problems of single cities' quotas (``city_quotas.<code>.value.value``) shown
    beside the row's kind or value."""
    for key in [k for k in errors if k.startswith("city_quotas.")]:
        parts = key.split(".")
        field = "kind" if parts[-1] == "kind" or parts[2:3] == ["key"] else "value"
        name = f"city.{parts[1]}.{field}" if len(parts) > 2 else "city_quotas"
        errors.setdefault(name, []).extend(errors.pop(key))
    return errors


def table_cities(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The rows of the table: every known city, and any other city the settings name, by code."""
    rows = dict(cities())
    for key in values:
        found = _CITY_ROW.fullmatch(key)
        if found:
            rows.setdefault(found.group(1), found.group(1))
    return sorted(rows.items())


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
        _row_errors(errors),
        rnd=rnd,
        values=values,
        cities=table_cities(values),
        editable=rnd.phase in (Phase.DRAFT, Phase.OPEN),
    )
