"""The public's pages, open without signing in: a published list (Chinese first, ``?lang=en`` for
English; a phone's width; A4 in print), its open-data downloads, the objection form during the
notice period, and an objection's state by its receipt code.

A list's page is frozen content: it carries an entity tag (the content's hash, the notice's state,
the newer version if any, the language and who reads it) and cache headers, and a conditional
request for the same version is answered 304 without reading the list. The page has no form of its
own — its language switch is a link — so reading it sets no cookie.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime

from flask import abort, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from evaluator.accounts.policy import authorize
from evaluator.formatting import show_date
from evaluator.i18n import LANGUAGES, language, localise
from evaluator.messages import N_
from evaluator.shortlists import objections, present, reading
from evaluator.shortlists.models import Shortlist
from evaluator.web.blueprints import public as bp
from evaluator.web.caching import cache_headers, not_modified
from evaluator.web.downloads import export_response
from evaluator.web.objection_limits import per_address, per_shortlist
from evaluator.web.pages import FormErrors, done, form_errors, load_form, render_form, typed_number
from evaluator.web.security import signed_in_user

VARY = "Accept-Language, Cookie"
_RENDERED: OrderedDict[tuple[str, str], str] = OrderedDict()  # anonymous pages, by content hash and tag
_RENDERED_MAX = 16


def _language() -> str:
    """The page's language: ``?lang=`` when given, else the reader's usual choice."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        g.language = chosen
    return language()


HEADINGS = (
    N_("No."),
    N_("Unit"),
    N_("City"),
    N_("County or district"),
    N_("Group"),
    N_("Score"),
    N_("Grade"),
)


def _rows(entries: list[dict], cohort: dict, lang: str) -> Markup:
    """A cohort's rows of the list as HTML, every value escaped: written here rather than by the
    template's loop, which takes some 100 times longer over a list of thousands (docs/benchmarks.md)."""
    no, unit, city, county, group, score, grade = (escape(localise(h)) for h in HEADINGS)
    name = escape(cohort["en"] if lang == "en" else cohort["zh"])
    key = "grade_en" if lang == "en" else "grade_zh"
    rows = []
    for e in entries:
        total = "—" if e["total"] is None else f"{e['total']:.2f}"
        rows.append(
            f'<tr><td class="num" data-label="{no}">{e["no"]}</td>'
            f'<th scope="row" data-label="{unit}">{escape(e["organisation"])}</th>'
            f'<td data-label="{city}">{escape(e["city"])}</td>'
            f'<td data-label="{county}">{escape(e["county"])}</td>'
            f'<td data-label="{group}">{name}</td><td class="num" data-label="{score}">{total}</td>'
            f'<td data-label="{grade}">{escape(e[key] or "—")}</td></tr>'
        )
    return Markup("\n".join(rows))


def _day(value: str | None) -> str:
    """An ISO date of a list's content as the reader writes dates."""
    try:
        return show_date(date.fromisoformat(value)) if value else "—"
    except ValueError:
        return "—"


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _head_or_404(shortlist_id: int) -> reading.Head:
    authorize(signed_in_user(), "shortlist.public")
    found = reading.head(shortlist_id)
    if found is None:
        abort(404)
    return found


@bp.route("/public/shortlists/<int:shortlist_id>")
def shortlist(shortlist_id: int):
    """A published list for everybody: per cohort, with the notice, the hash and how to object."""
    lang = _language()
    head = _head_or_404(shortlist_id)
    private = current_user.is_authenticated
    tag = head.tag("page", lang, current_user.get_id() if private else "anonymous")
    unchanged = not_modified(tag, private, VARY)
    if unchanged is not None:
        return unchanged
    served = reading.served(head)
    key = (served.check.computed or "", tag)
    cacheable = not private and not served.tampered and not session.get("_flashes")
    html = _RENDERED.get(key) if cacheable else None
    if html is None:
        cohorts = {c["number"]: c for c in served.data["cohorts"]}
        groups = []
        for n in sorted(cohorts):
            members = [e for e in served.data["entries"] if e["cohort"] == n]
            groups.append(
                {"cohort": cohorts[n], "entries": members, "rows": _rows(members, cohorts[n], lang)}
            )
        html = render_template(
            "shortlists/public_list.html",
            head=head,
            served=served,
            data=served.data,
            groups=groups,
            versions=reading.other_versions(head.round_id),
            lang=lang,
            published=_time(served.data.get("published_at")),
            day=_day,
        )
        if cacheable:
            _RENDERED[key] = html
            if len(_RENDERED) > _RENDERED_MAX:
                _RENDERED.popitem(last=False)
    response = make_response(html)
    if served.tampered:
        response.headers["Cache-Control"] = "no-store"
        return response
    return cache_headers(response, tag, private, VARY)


@bp.route("/public/shortlists/<int:shortlist_id>/download")
def shortlist_download(shortlist_id: int):
    """A published list as CSV or XLSX (序号, 单位名称, 所属市州, 区县, 组别, 得分, 等次, then the facts)."""
    head = _head_or_404(shortlist_id)
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    tag = head.tag("file", fmt)
    unchanged = not_modified(tag, False)
    if unchanged is not None:
        return unchanged
    served = reading.served(head)
    url = (
        url_for("public.objection_new", shortlist_id=head.id, _external=True)
        if head.notice == "open"
        else None
    )
    response = export_response(reading.export(served, fmt, url))
    if served.tampered:
        return response
    return cache_headers(response, tag, False)


def _form_page(
    listing: Shortlist, head: reading.Head, errors: FormErrors | None = None, values: dict | None = None
):
    served = reading.served(head)
    return render_form(
        "shortlists/objection_form.html",
        errors,
        head=head,
        data=served.data,
        choices=[(str(e["no"]), f"{e['no']} · {e['organisation']}") for e in served.data["entries"]],
        open=head.notice == "open" and not head.superseded_by and head.kind == "shortlist",
        values=values or {},
        listing=listing,
        lang=language(),
        day=_day,
    )


@bp.route("/public/shortlists/<int:shortlist_id>/objection", methods=["GET", "POST"])
@per_address
@per_shortlist
def objection_new(shortlist_id: int):
    """The objection form (during the notice period); a received objection goes to its receipt page."""
    _language()
    head = _head_or_404(shortlist_id)
    listing = objections.published(shortlist_id)
    if listing is None:
        abort(404)
    if request.method == "GET":
        return _form_page(listing, head)
    authorize(signed_in_user(), "objection.submit")
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    with form_errors() as errors:
        raw = {k: values.get(k, "") for k in ("name", "contact", "text", "entry_no")}
        raw["entry_no"] = typed_number(raw["entry_no"]) if raw["entry_no"].strip() else None
        data = load_form(objections.ObjectionSchema(), raw)
        upload = request.files.get("file")
        given = upload is not None and upload.filename
        found = objections.submit(
            listing, data, upload.stream if given else None, upload.filename if given else None
        )
        done(
            N_("Your objection is received. Its receipt code is %(code)s: keep it to follow the objection."),
            code=found.receipt,
        )
        return redirect(url_for("public.objection", code=found.receipt), 303)
    return _form_page(listing, head, errors, values)


@bp.route("/public/objections/<code>")
def objection(code: str):
    """An objection's state and outcome, by its receipt code (never who sent it or their contact)."""
    _language()
    authorize(signed_in_user(), "objection.status")
    found = objections.by_receipt(code) if len(code) <= 40 else None
    if found is None:
        abort(404)
    response = make_response(
        render_template(
            "shortlists/objection_status.html",
            info=present.objection_info(found, office=False),
            head=reading.head(found.shortlist_id),
            lang=language(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
