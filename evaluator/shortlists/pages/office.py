"""The office's shortlist pages: a round's lists (draft a shortlist, the versions, the objections
queue, the recognition) and one list (its entries with why each is in or out, adjusting a draft,
publishing it with a confirmation, correcting the current version)."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.shortlists import drafting, objections, present, publishing, service
from evaluator.shortlists.models import Shortlist
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import (
    FORM_NOT_VALID,
    FormErrors,
    done,
    form_errors,
    get_or_404,
    load_form,
    page_user,
    posted_version,
    render_form,
    typed_number,
)
from evaluator.workflow import ListKind, ListState, NoticeRule, Phase

CONFIRM = N_("Tick the box to confirm.")


def _number(text: str) -> float | str:
    """A number typed in a form, or the text as typed (the schema names what is wrong with it)."""
    try:
        return float(text)
    except ValueError:
        return text


def _quota(kind: str, value: str) -> dict[str, Any] | None:
    kind, value = (kind or "").strip(), (value or "").strip()
    if not kind and not value:
        return None
    return {"kind": kind, "value": _number(value)}


def _lines(name: str) -> list[str]:
    return [line.strip() for line in (request.form.get(name) or "").splitlines() if line.strip()]


def draft_data(form: Any, cohorts: list[tuple[int, str]]) -> dict[str, Any]:
    """The draft form as the API's body: quotas, cap, the notice period and the office's dates."""
    cities: dict[str, Any] = {}
    problems = []
    for line in _lines("city_quotas"):
        parts = line.replace("：", " ").replace(":", " ").split()
        if len(parts) != 2:
            problems.append(line)
            continue
        code, amount = parts
        share = amount.endswith("%")
        value = _number(amount[:-1] if share else amount)
        if share and isinstance(value, float):
            value = value / 100
        cities[code] = {"kind": "share" if share else "number", "value": value}
    if problems:
        raise ServiceError(
            422,
            msg(FORM_NOT_VALID),
            {
                "city_quotas": [
                    msg("Write one city a line: its code and a number, or a share ending in a per-cent sign.")
                ]
            },
        )
    data: dict[str, Any] = {
        "cohort_quota": _quota(form.get("cohort_quota_kind"), form.get("cohort_quota_value")),
        "cohort_quotas": {
            str(n): q
            for n, _label in cohorts
            if (q := _quota(form.get(f"cohort_{n}_kind"), form.get(f"cohort_{n}_value"))) is not None
        },
        "city_quotas": cities,
        "cap": (form.get("cap") or "").strip() or None,
        "notice_rule": form.get("notice_rule") or NoticeRule.CALENDAR.value,
        "notice_days": (form.get("notice_days") or "").strip() or None,
        "extra_holidays": _lines("extra_holidays"),
        "extra_workdays": _lines("extra_workdays"),
    }
    for key in ("cap", "notice_days"):
        if data[key] is not None:
            data[key] = typed_number(data[key])
    return data


def _round_page(rnd: Round, errors: FormErrors | None = None, values: dict | None = None):
    lists = [present.shortlist_info(s, checked=False) for s in service.versions(rnd.id)]
    current = service.current(rnd.id)
    recognition = service.current(rnd.id, ListKind.RECOGNITION.value)
    return render_form(
        "shortlists/round.html",
        errors,
        rnd=rnd,
        lists=lists,
        cohorts=drafting.cohorts_of(rnd),
        current=current,
        recognition=recognition,
        notice=service.notice_state(current) if current is not None else None,
        objections=[present.objection_info(o, office=True) for o in objections.of_round(rnd.id)],
        pending=service.pending_objections(rnd.id),
        can_draft=rnd.phase == Phase.SCORING_CLOSED and current is None,
        values=values or {"notice_days": rnd.notice_days},
        NoticeRule=NoticeRule,
    )


@bp.route("/rounds/<int:round_id>/shortlists", methods=["GET", "POST"])
def round_shortlists(round_id: int):
    """A round's lists: draft a shortlist from the results, the versions, objections, recognition."""
    page_user("shortlist.view")
    rnd = get_or_404(Round, round_id)
    if request.method == "GET":
        return _round_page(rnd)
    actor = page_user("shortlist.manage")
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    with form_errors() as errors:
        data = load_form(drafting.DraftSchema(), draft_data(request.form, drafting.cohorts_of(rnd)))
        shortlist = drafting.draft(actor, rnd, data)
        done(N_("Version %(number)s of the shortlist drafted."), number=shortlist.number)
        return redirect(url_for("office.shortlist", shortlist_id=shortlist.id), 303)
    return _round_page(rnd, errors, values)


@bp.route("/rounds/<int:round_id>/recognition", methods=["POST"])
def round_recognition(round_id: int):
    """Publish the recognition list after the notice, and close the round."""
    actor = page_user("recognition.publish")  # before the lookup: ids are not probed
    rnd = get_or_404(Round, round_id)
    with form_errors() as errors:
        if request.form.get("confirm") != "1":
            raise ServiceError(422, msg(FORM_NOT_VALID), {"confirm": [msg(CONFIRM)]})
        listing = publishing.recognise(actor, rnd)
        done(N_("The recognition list is published and the round is final."))
        return redirect(url_for("office.shortlist", shortlist_id=listing.id), 303)
    return _round_page(rnd, errors)


def _list_page(shortlist: Shortlist, errors: FormErrors | None = None, values: dict | None = None):
    rnd = get_or_404(Round, shortlist.round_id)
    info = present.shortlist_info(shortlist)
    lines = present.entry_lines(shortlist, rnd)
    groups: dict[int, dict[str, Any]] = {}
    for line in lines:
        group = groups.setdefault(line["cohort"], {"label": line["cohort_label"], "lines": []})
        group["lines"].append(line)
    return render_form(
        "shortlists/shortlist.html",
        errors,
        rnd=rnd,
        shortlist=shortlist,
        info=info,
        groups=list(groups.values()),
        listed=sum(line["selected"] for line in lines),
        total=len(lines),
        choices=[(str(line["application_id"]), line["organisation"]) for line in lines],
        is_current=service.current(rnd.id) is not None and service.current(rnd.id).id == shortlist.id,
        values=values or {},
        ListState=ListState,
        ListKind=ListKind,
        Phase=Phase,
    )


@bp.route("/shortlists/<int:shortlist_id>")
def shortlist(shortlist_id: int):
    """One list: its facts, every application with why it is in or out, and what the office can do."""
    page_user("shortlist.view")
    return _list_page(get_or_404(Shortlist, shortlist_id))


@bp.route("/shortlists/<int:shortlist_id>/adjust", methods=["POST"])
def shortlist_adjust(shortlist_id: int):
    """Put an application on a draft or take it off, with a reason."""
    actor = page_user("shortlist.manage")  # before the lookup: ids are not probed
    listing = get_or_404(Shortlist, shortlist_id)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    with form_errors() as errors:
        raw = {k: values.get(k, "") for k in ("application_id", "selected", "reason")}
        raw["application_id"] = typed_number(raw["application_id"])
        data = load_form(drafting.AdjustSchema(), raw)
        drafting.adjust(actor, listing, data, posted_version())
        done(N_("The draft is adjusted."))
        return redirect(url_for("office.shortlist", shortlist_id=listing.id), 303)
    return _list_page(get_or_404(Shortlist, shortlist_id), errors, values)


@bp.route("/shortlists/<int:shortlist_id>/publish", methods=["POST"])
def shortlist_publish(shortlist_id: int):
    """Publish a draft, after the office confirms it: frozen, hashed and on public notice."""
    actor = page_user("shortlist.manage")  # before the lookup: ids are not probed
    listing = get_or_404(Shortlist, shortlist_id)
    with form_errors() as errors:
        if request.form.get("confirm") != "1":
            raise ServiceError(422, msg(FORM_NOT_VALID), {"confirm": [msg(CONFIRM)]})
        publishing.publish(actor, listing, posted_version())
        done(N_("The shortlist is published and on public notice."))
        return redirect(url_for("office.shortlist", shortlist_id=listing.id), 303)
    return _list_page(get_or_404(Shortlist, shortlist_id), errors)


@bp.route("/shortlists/<int:shortlist_id>/correct", methods=["POST"])
def shortlist_correct(shortlist_id: int):
    """Start a correction of the current shortlist (a draft of the next version), with a reason."""
    actor = page_user("shortlist.manage")  # before the lookup: ids are not probed
    listing = get_or_404(Shortlist, shortlist_id)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    with form_errors() as errors:
        data = load_form(drafting.CorrectionSchema(), {"reason": values.get("reason", "")})
        draft = publishing.correct(actor, listing, data["reason"])
        done(N_("Version %(number)s drafted to correct the list."), number=draft.number)
        return redirect(url_for("office.shortlist", shortlist_id=draft.id), 303)
    return _list_page(get_or_404(Shortlist, shortlist_id), errors, values)
