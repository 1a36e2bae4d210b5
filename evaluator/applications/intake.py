"""The application form of a round: figures and self-assessment checked against its frozen criteria,
and intake warnings for figures that are legal but unusual.

The figures schema is built from the criteria ``fields``: JSON types must match (a number is not a
string, a yes/no is ``true``/``false``), NaN and infinity are refused, numbers are bounded by the
field's ``min``/``max`` and never exceed :data:`MAX_MAGNITUDE`, unknown keys are refused by name.
Required fields are enforced only when the whole form is checked (on submit and on import). The
rules after the JSON types — bounds, blanks, how a multi-choice is stored — are those of
``evaluator.criteria.figure_values``, which the spreadsheet import applies to cells as well.
"""

from __future__ import annotations

import io
import math
import re
from functools import lru_cache
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from openpyxl.utils import get_column_letter

from evaluator.criteria.figure_values import (
    MAX_MAGNITUDE,
    REQUIRED_MESSAGE,
    TEXT_MAX,
    bounds,
    bounds_message,
    stored,
)
from evaluator.criteria.methods import ImprovementParams, RatioParams
from evaluator.criteria.model import CriteriaSet, Field
from evaluator.criteria.norms import RangeParams
from evaluator.criteria.registry import fmt
from evaluator.errors import ServiceError
from evaluator.messages import msg, named
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.spreadsheets.export import FORMATS, Export
from evaluator.validation import Text
from evaluator.workflow import OrgKind, kind_for_zone

HINT_MARK = "【说明】"
# Identity columns: key, Chinese header, explanation; the kinds of applicant that need them.
IDENTITY = (
    ("name", "申报单位名称", "单位全称，与系统中的名称完全一致；系统中没有的单位按本行区划新建"),
    ("city", "市（州）", "如：成都市"),
    ("city_code", "市（州）代码", "6位区划代码，以00结尾，如：510100"),
    ("county", "县（市、区）", "如：武侯区"),
    ("county_code", "县（市、区）代码", "6位区划代码，如：510107"),
    ("subdistrict", "街道（乡镇）", "街道或社区申报时必填"),
    ("subdistrict_code", "街道（乡镇）代码", "9位区划代码，以县级代码开头"),
    ("community_code", "社区（村）代码", "12位区划代码，可不填"),
)
KIND_COLUMNS = {OrgKind.COUNTY: 5, OrgKind.SUBDISTRICT: 7, OrgKind.COMMUNITY: 8}


class _Number(fields.Float):
    """A JSON number (not a string, not a boolean), finite."""

    def __init__(self, figure: Field, **kwargs: Any):
        self.figure = figure
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Not a valid number.")
        if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:  # float() of a huge int overflows
            raise ValidationError(bounds_message(self.figure))
        return super()._deserialize(value, attr, data, **kwargs)


class _Whole(fields.Integer):
    """A JSON whole number (2.0 counts as 2)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


class _YesNo(fields.Boolean):
    """A JSON ``true`` or ``false``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(msg("Not a valid boolean: use true or false."))
        return value


class _Range(validate.Range):
    """A range check whose refusal is the field's bounds message as it is (a translatable message;
    the library would format it into a plain string)."""

    def _format_error(self, value: Any, message: str) -> str:
        return self.error


def _bounds(f: Field) -> validate.Range:
    lo, hi = bounds(f)
    return _Range(min=lo, max=hi, error=bounds_message(f))


def figure_field(f: Field) -> fields.Field:
    """The marshmallow field that checks one criteria field's value."""
    common: dict[str, Any] = {
        "required": f.required,
        "allow_none": True,
        "metadata": {"description": f"{f.label} ({f.label_en})"},
    }
    if f.type == "int":
        return _Whole(strict=True, validate=_bounds(f), **common)
    if f.type == "float":
        return _Number(f, allow_nan=False, validate=_bounds(f), **common)
    if f.type == "bool":
        return _YesNo(**common)
    if f.type == "enum":
        return fields.String(validate=validate.OneOf(f.choice_values), **common)
    if f.type == "multi":
        return fields.List(fields.String(validate=validate.OneOf(f.choice_values)), **common)
    return Text(multiline=True, max_length=TEXT_MAX, **common)  # the shared control-character rule


@lru_cache(maxsize=64)
def _schema(cs: CriteriaSet) -> Schema:
    """The figures schema of a criteria set, built once (a schema keeps no state between loads)."""
    return Schema.from_dict({f.key: figure_field(f) for f in cs.fields}, name=f"Figures_{cs.id}")()


def figures_errors(cs: CriteriaSet, data: Any, partial: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(clean figures, errors by key); ``partial`` skips the required fields (a draft).

    A blank value is no figure: in a partial check it comes back as None (it clears the figure),
    in a whole-form check it is left out, and a required one is missing.
    """
    if not isinstance(data, dict):
        return {}, {"_schema": [msg("Figures are an object of field key to value.")]}
    try:
        clean = _schema(cs).load(data, partial=partial)
    except ValidationError as err:
        return {}, err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    missing: dict[str, Any] = {}
    for key, value in list(clean.items()):
        f = cs.field_map[key]
        clean[key] = stored(f, value)
        if clean[key] is None and not partial:
            del clean[key]
            if f.required:
                missing[key] = [REQUIRED_MESSAGE]
    return ({}, missing) if missing else (clean, {})


def check_figures(cs: CriteriaSet, data: Any, partial: bool) -> dict[str, Any]:
    """Clean figures, or a 422 naming every bad key under ``figures``."""
    clean, errors = figures_errors(cs, data, partial)
    if errors:
        names = [named(cs.field_map[key]) if key in cs.field_map else str(key) for key in errors]
        raise ServiceError(
            422, msg("The figures do not fit this round's form: %(keys)s.", keys=names), {"figures": errors}
        )
    return clean


def merge(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes to a mapping: a key set to null is removed."""
    out = dict(current)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def check_self_assessment(cs: CriteriaSet, data: Any) -> dict[str, Any]:
    """{indicator id: score}: each a scored indicator (leaf) of the tree, 0..its points; null clears."""
    if not isinstance(data, dict):
        raise ServiceError(
            422,
            msg("The self-assessment is an object of indicator id to score."),
            {"self_assessment": [msg("Not a valid mapping.")]},
        )
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        node = cs.node_map.get(key)
        if node is None:
            errors[key] = [msg("Unknown indicator '%(id)s'.", id=key)]
        elif not node.is_leaf:
            errors[key] = [msg("'%(name)s' is a group of indicators: score its leaves.", name=named(node))]
        elif value is None:
            continue
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            errors[key] = ["Not a valid number."]
        elif not 0 <= value <= node.points:
            top = fmt(float(node.points))
            errors[key] = [msg("%(name)s: a score is between 0 and %(max)s.", name=named(node), max=top)]
    if errors:
        raise ServiceError(
            422,
            msg(
                "The self-assessment has problems: %(indicators)s.",
                indicators=[named(cs.node_map[k]) if k in cs.node_map else k for k in errors],
            ),
            {"self_assessment": errors},
        )
    return {k: (None if v is None else float(v)) for k, v in data.items()}


def claimable_bonus(cs: CriteriaSet) -> list[Any]:
    """The bonus items an applicant may claim: those without a condition on the figures."""
    return [b for b in cs.bonus_items if b.when is None]


def check_bonus_claims(cs: CriteriaSet, data: Any) -> list[str]:
    """The claimed bonus item ids, in the criteria's order: each once, each claimable (no ``when``)."""
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        raise ServiceError(
            422,
            msg("The bonus claims are a list of bonus item ids."),
            {"bonus_claims": [msg("Not a list of ids.")]},
        )
    claimable = {b.id for b in claimable_bonus(cs)}
    conditional = {b.id for b in cs.bonus_items} - claimable
    errors: dict[str, list[str]] = {}
    for k, value in enumerate(data):
        if value in conditional:
            errors[str(k)] = [msg("'%(id)s' is awarded by the figures; it cannot be claimed.", id=value[:80])]
        elif value not in claimable:
            errors[str(k)] = [msg("Unknown bonus item '%(id)s'.", id=value[:80])]
        elif value in data[:k]:
            errors[str(k)] = [msg("'%(id)s' is claimed twice.", id=value)]
    if errors:
        raise ServiceError(422, msg("The bonus claims have problems."), {"bonus_claims": errors})
    return [b.id for b in cs.bonus_items if b.id in set(data)]


def missing_required(cs: CriteriaSet, figures: dict[str, Any]) -> list[str]:
    """Keys of required fields not yet filled in (an empty text or choice list counts as missing)."""
    return [f.key for f in cs.fields if f.required and figures.get(f.key) in (None, "", [])]


def _number(figures: dict[str, Any], key: str) -> float | None:
    value = figures.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def intake_warnings(cs: CriteriaSet, figures: dict[str, Any]) -> list[dict[str, str]]:
    """Figures that are legal but unusual, as ``[{field, code, message}]`` (never refusals).

    - ``outside_norm``: a figure outside its category's scale norm (``range`` leaves with ``by``);
    - ``ratio_above_100``: a percentage ``ratio`` leaf whose numerator exceeds its denominator
      (e.g. more disputes resolved than received);
    - ``ratio_zero_base``: a ``ratio`` leaf whose denominator is 0 (the indicator will score 0);
    - ``declined``: an ``improvement`` leaf whose previous-year figure is above the current one;
    - ``implausible_pair``: a field below the field its ``at_least`` names, two figures that cannot
      both be true (1,200 residents in 6,800 households).
    """
    label = {f.key: named(f) for f in cs.fields}  # shown in the reader's language
    out: list[dict[str, str]] = []

    def warn(key: str, code: str, message: str) -> None:
        item = {"field": key, "code": code, "message": message}
        if item not in out:
            out.append(item)

    for leaf in cs.auto_leaves:
        p = leaf.params
        if isinstance(p, RangeParams) and p.by is not None:
            x, category = _number(figures, p.field), figures.get(p.by)
            band = (p.norms or {}).get(category) if isinstance(category, str) else None
            if x is None or band is None:
                continue
            if (band.lo is not None and x < band.lo) or (band.hi is not None and x > band.hi):
                choice = next((named(c) for c in cs.field_map[p.by].choices if c.value == category), category)
                warn(
                    p.field,
                    "outside_norm",
                    msg(
                        "%(field)s %(value)s is outside the norm for %(category)s (%(norm)s); please check "
                        "the figure.",
                        field=label[p.field],
                        value=fmt(x),
                        category=choice,
                        norm=band.text(),
                    ),
                )
        elif isinstance(p, RatioParams):
            num, den = _number(figures, p.numerator), _number(figures, p.denominator)
            if num is None or den is None:
                continue
            if den == 0 and num > 0:
                warn(
                    p.denominator,
                    "ratio_zero_base",
                    msg(
                        "%(denominator)s is 0, so %(indicator)s scores 0 although %(numerator)s is "
                        "%(value)s.",
                        denominator=label[p.denominator],
                        indicator=named(leaf),
                        numerator=label[p.numerator],
                        value=fmt(num),
                    ),
                )
            elif p.per == 100 and den > 0 and num > den:
                warn(
                    p.numerator,
                    "ratio_above_100",
                    msg(
                        "%(numerator)s (%(value)s) is more than %(denominator)s (%(base)s); please check "
                        "both figures.",
                        numerator=label[p.numerator],
                        value=fmt(num),
                        denominator=label[p.denominator],
                        base=fmt(den),
                    ),
                )
        elif isinstance(p, ImprovementParams):
            now, before = _number(figures, p.current), _number(figures, p.previous)
            if now is not None and before is not None and before > now:
                warn(
                    p.previous,
                    "declined",
                    msg(
                        "%(previous)s (%(before)s) is above %(current)s (%(now)s): a decline; please "
                        "check both figures.",
                        previous=label[p.previous],
                        before=fmt(before),
                        current=label[p.current],
                        now=fmt(now),
                    ),
                )
    for f in cs.fields:
        value, base = _number(figures, f.key), _number(figures, f.at_least) if f.at_least else None
        if value is not None and base is not None and value < base:
            warn(
                f.key,
                "implausible_pair",
                msg(
                    "%(field)s (%(value)s) is below %(other)s (%(base)s): both cannot be true; please "
                    "check both figures.",
                    field=label[f.key],
                    value=fmt(value),
                    other=label[f.at_least],
                    base=fmt(base),
                ),
            )
    return out


def identity_columns(rnd: Round) -> tuple[tuple[str, str, str], ...]:
    """The identity columns a round's applicants fill in."""
    return IDENTITY[: KIND_COLUMNS[kind_for_zone(rnd.zone_type)]]


def field_hint(f: Any) -> str:
    """What a field's cell takes, in Chinese: type, unit, range, choices, whether required."""
    parts = {
        "int": ["整数"],
        "float": ["数值"],
        "bool": ["是/否"],
        "text": ["文字"],
        "enum": ["单选：" + "／".join(c.label for c in f.choices)],
        "multi": ["可多选，用；分隔：" + "／".join(c.label for c in f.choices)],
    }[f.type]
    if f.unit:
        parts.append(f"单位：{f.unit}")
    if f.min is not None or f.max is not None:
        if f.min is not None and f.max is not None:
            parts.append(f"范围：{f.min:g}～{f.max:g}")
        else:
            parts.append(f"≥{f.min:g}" if f.max is None else f"≤{f.max:g}")
    parts.append("必填" if f.required else "选填")
    return "，".join(parts)


def template_columns(rnd: Round) -> list[tuple[str, str, bool, Field | None]]:
    """The template's columns: (header, explanation, required, criteria field or None for identity)."""
    fields_ = round_criteria(rnd).fields
    labels = [f.label for f in fields_]
    columns: list[tuple[str, str, bool, Field | None]] = [
        (header, HINT_MARK + hint if k == "name" else hint, True, None)
        for k, header, hint in identity_columns(rnd)
    ]
    columns += [
        (f.label if labels.count(f.label) == 1 else f"{f.label} ({f.key})", field_hint(f), f.required, f)
        for f in fields_
    ]
    return columns


def template_csv(rnd: Round) -> bytes:
    """The template as CSV (UTF-8 with BOM, so Excel shows the Chinese): header and explanation row."""
    import csv

    columns = template_columns(rnd)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c[0] for c in columns])
    writer.writerow([c[1] for c in columns])
    return out.getvalue().encode("utf-8-sig")


def template(rnd: Round) -> bytes:
    """An XLSX to fill in: Chinese headers, an explanation row, drop-down lists, a field sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "申报表"
    columns = template_columns(rnd)
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for j, (header, hint, required, f) in enumerate(columns, start=1):
        letter = get_column_letter(j)
        head = ws.cell(row=1, column=j, value=header)
        head.font = bold
        if required:
            head.fill = required_fill
        head.comment = Comment(hint if f is None else f"{f.label_en}: {hint}", "申报模板")
        note = ws.cell(row=2, column=j, value=hint)
        note.alignment = Alignment(wrap_text=True, vertical="top")
        note.font = Font(color="808080", size=9)
        ws.column_dimensions[letter].width = max(14, min(40, 2 * len(header) + 4))
        if f is None:
            for r in range(3, 503):
                ws.cell(row=r, column=j).number_format = "@"  # keep codes as text
        elif f.type in ("enum", "bool"):
            choices = [c.label for c in f.choices] if f.type == "enum" else ["是", "否"]
            listed = ",".join(choices)
            if len(listed) <= 250 and not any("," in c or '"' in c for c in choices):
                dv = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
                dv.add(f"{letter}3:{letter}1002")
                ws.add_data_validation(dv)
    ws.freeze_panes = "B3"
    sheet = wb.create_sheet("字段说明")
    sheet.append(["列名", "字段", "English", "填写说明"])
    for k, header, hint in identity_columns(rnd):
        sheet.append([header, k, "", hint])
    for header, hint, _, f in columns[len(identity_columns(rnd)) :]:
        sheet.append([header, f.key, f.label_en, hint])
    for cell in sheet[1]:
        cell.font = bold
    for letter, width in zip("ABCD", (28, 28, 36, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    for cell in (c for book_sheet in wb.worksheets for row in book_sheet.iter_rows() for c in row):
        if cell.data_type == "f":  # a label that begins with "=" is text, never a live formula
            cell.data_type = "s"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- the web form

_YES = ("1", "true", "yes", "是")
_NO = ("0", "false", "no", "否")


def _form_value(f: Field, raw: Any) -> Any:
    """One form entry (text) as the JSON value the figures schema checks.

    A blank is None (it clears the figure). A text that does not spell the field's type is
    passed on as it is, so the schema refuses it with the same message the API gives for a
    value of the wrong type ("Not a valid integer.", "Not a valid number.", ...).
    """
    if f.type == "multi":
        values = [v.strip() for v in (raw or []) if isinstance(v, str) and v.strip()]
        return values or None
    text = raw.strip() if isinstance(raw, str) else raw
    if text in (None, ""):
        return None
    if f.type in ("int", "float"):
        spelled = text.replace(",", "").replace("，", "").replace(" ", "")
        try:
            return int(spelled)
        except ValueError:
            pass
        try:
            return float(spelled)
        except ValueError:
            return text
    if f.type == "bool":
        if text.lower() in _YES:
            return True
        if text.lower() in _NO:
            return False
        return text
    return raw if f.type == "text" else text


def figures_from_form(cs: CriteriaSet, form: Any, prefix: str = "figures.") -> dict[str, Any]:
    """The figures of a submitted web form (``prefix + key`` → text), typed for ``check_figures``.

    Only the fields the form sent are read, so a form showing some fields never clears the others;
    one sent blank is None, which removes the figure from a draft. (A multi-choice list sends
    nothing when nothing is ticked: the page adds an empty entry of the same name, so that it counts
    as sent.)
    """
    out: dict[str, Any] = {}
    for f in cs.fields:
        name = prefix + f.key
        if name not in form:
            continue
        raw = form.getlist(name) if f.type == "multi" else form.get(name)
        out[f.key] = _form_value(f, raw)
    return out


def self_assessment_from_form(cs: CriteriaSet, form: Any, prefix: str = "self_assessment.") -> dict[str, Any]:
    """The self-assessed scores of a web form (``prefix + indicator id`` → text), for
    ``check_self_assessment``: a blank is None (cleared), a number is a number, anything else is
    passed on to be refused with the API's message."""
    out: dict[str, Any] = {}
    for leaf in cs.leaves:
        raw = form.get(prefix + leaf.id)
        if raw is None:
            continue
        text = raw.strip()
        if not text:
            out[leaf.id] = None
            continue
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            out[leaf.id] = text
            continue
        out[leaf.id] = number if math.isfinite(number) else text
    return out


def template_export(rnd: Round, fmt: str) -> Export:
    """The round's import template as a download: ``fmt`` is 'xlsx' or 'csv'."""
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", rnd.title)[:80] or f"round-{rnd.id}"
    data = template_csv(rnd) if fmt == "csv" else template(rnd)
    return Export(data, FORMATS[fmt], f"{name}-申报导入模板.{fmt}", f"round-{rnd.id}-template")
