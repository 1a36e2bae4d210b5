"""The forms of the round pages: a round's input (times entered in Beijing time) and the phase
advance. Their cross-field checks are the API's own (``evaluator.rounds.service``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import request
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from evaluator.core.db import as_aware
from evaluator.criteria.catalog import MAX_ID_LENGTH
from evaluator.criteria.loader import MAX_YAML_BYTES
from evaluator.criteria.schema import ID_RE
from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.rounds import service
from evaluator.validation import Id, Pattern, Text, Time
from evaluator.web.pages import FORM_NOT_VALID
from evaluator.workflow import Phase

BEIJING = ZoneInfo("Asia/Shanghai")
NOT_UTF8 = N_("The file is not UTF-8 text: save the criteria file as UTF-8 and upload it again.")
REASON_REQUIRED = N_("Give the reason for the move: it is recorded in the audit log.")
CONFIRM_REQUIRED = N_("Tick the box to confirm the move.")


class BeijingTime(Time):
    """A time from a datetime-local input (``2026-05-01T08:00``), read as Beijing time and given
    back in UTC (as stored); the same rules as the API's times once the zone is known."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and 0 < len(value) <= 64:
            try:
                local = datetime.fromisoformat(value)
            except ValueError:
                local = None
            if local is not None and local.tzinfo is None:
                value = local.replace(tzinfo=BEIJING).isoformat()
        return super()._deserialize(value, attr, data, **kwargs).astimezone(UTC)


def local_input(value: datetime | None) -> str:
    """A stored time as a datetime-local input's value, in Beijing time."""
    return "" if value is None else as_aware(value).astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


class _Blanks(Schema):
    @pre_load
    def _blank_is_missing(self, data: dict, **kwargs: object) -> dict:
        """An empty input is a value not given."""
        return {k: v for k, v in data.items() if not (isinstance(v, str) and v.strip() == "")}


class RoundForm(_Blanks):
    """A new round, or the changes to one (then ``version`` is the version the form was read at)."""

    title = Text(required=True, **service.TITLE_LENGTH)
    criteria_id = fields.String(
        load_default=None, validate=[validate.Length(max=MAX_ID_LENGTH), Pattern(ID_RE)]
    )
    criteria_yaml = fields.String(load_default=None, validate=validate.Length(max=MAX_YAML_BYTES))
    opens_at = BeijingTime(load_default=None)
    submission_deadline = BeijingTime(load_default=None)
    review_deadline = BeijingTime(load_default=None)
    notice_days = fields.Integer(load_default=7, validate=validate.Range(**service.NOTICE_DAYS))
    version = Id(load_default=None, strict=False)

    def __init__(self, *, editing: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.editing = editing

    @validates_schema
    def _check_choice_and_order(self, data: dict, **kwargs: object) -> None:
        """The API's checks: the criteria's source and the dates' order."""
        if self.editing:
            errors = {
                **service.criteria_source_errors(
                    data.get("criteria_id"), data.get("criteria_yaml"), required=False
                ),
                **service.deadline_errors(*(data.get(k) for k in service.DEADLINES)),
            }
        else:
            errors = service.new_round_errors(data)
        if errors:
            raise ValidationError(errors)


class AdvanceForm(_Blanks):
    """Moving a round to its next phase: the phase, a reason, the confirmation, the version read."""

    to = fields.String(required=True, validate=validate.OneOf([p.value for p in Phase]))
    reason = Text(required=True, max_length=500, multiline=True, error_messages={"required": REASON_REQUIRED})
    confirm = fields.Boolean(
        required=True,
        truthy={"1", "on", "yes"},
        falsy=set(),
        error_messages={"required": CONFIRM_REQUIRED, "invalid": CONFIRM_REQUIRED},
    )
    version = Id(required=True, strict=False)


def form_with_upload() -> dict[str, Any]:
    """The request's form, with an uploaded criteria file (field ``criteria_yaml``) as its text.

    A file that is not UTF-8 text is refused beside the field; one too long is refused by the
    schema's length rule, as in the API.
    """
    data: dict[str, Any] = {k: v for k, v in request.form.items() if k != "criteria_yaml"}
    upload = request.files.get("criteria_yaml")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_YAML_BYTES * 4 + 1)
        try:
            data["criteria_yaml"] = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ServiceError(422, msg(FORM_NOT_VALID), {"criteria_yaml": [msg(NOT_UTF8)]}) from None
    return data
