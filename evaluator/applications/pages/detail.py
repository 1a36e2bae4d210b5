"""One application as the office sees it: organisation and region, status, figures under the
criteria's groups with their intake warnings beside them, self-assessment, materials with their
downloads and checksums, the evidence checklist, and the history from the audit log."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext

from evaluator.accounts.service import users_by_id
from evaluator.applications import service
from evaluator.applications.display import figure_text, office_view
from evaluator.applications.models import Application
from evaluator.audit.labels import action_label, changes, summary_label
from evaluator.audit.models import AuditEvent
from evaluator.criteria.model import CriteriaSet
from evaluator.formatting import label
from evaluator.i18n import criteria_text
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import get_or_404, page_user


def change_rows(cs: CriteriaSet, event: AuditEvent) -> list[tuple[str, str, str]]:
    """An event's changes in words: (what, before, after), figures and scores by their names."""
    fields_ = cs.field_map
    indicators = {leaf.id: leaf for leaf in cs.leaves}
    rows = []
    for key, before, after in changes(event.summary):
        prefix, _, name = key.partition(".")
        if prefix == "figures" and name in fields_:
            f = fields_[name]
            rows.append((criteria_text(f), figure_text(f, before), figure_text(f, after)))
        elif prefix == "self_assessment" and name in indicators:
            rows.append((criteria_text(indicators[name]), _plain(before), _plain(after)))
        elif key == "status":
            rows.append(
                (
                    summary_label(key),
                    label("status", before) if before else "—",
                    label("status", after) if after else "—",
                )
            )
        else:
            rows.append((summary_label(key), _plain(before), _plain(after)))
    if event.object_type == "material":
        filename = (event.summary or {}).get("filename") or "—"
        deleted = event.action == "material.deleted"
        rows.append((summary_label("filename"), filename if deleted else "—", "—" if deleted else filename))
    return rows


def _plain(value: Any) -> str:
    """A recorded value as text ('—' for none)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return str(value)


def history(app: Application, cs: CriteriaSet) -> list[dict[str, Any]]:
    """The application's audit events and its materials' events, newest first, in words."""
    events = service.history_events(app)
    actors = users_by_id({e.actor_id for e in events if e.actor_id is not None})
    names = {ident: user.display_name for ident, user in actors.items()}
    return [
        {
            "id": e.id,
            "at": e.at,
            "actor": names.get(e.actor_id),
            "action": action_label(e.action),
            "changes": change_rows(cs, e),
        }
        for e in events
    ]


@bp.route("/applications/<int:application_id>")
def application(application_id: int):
    """One application: what it says, what it brought, what happened to it."""
    page_user("dashboard.view")
    app = get_or_404(Application, application_id)
    page_user("application.view", app)
    shown = office_view(app)
    return render_template("applications/detail.html", **shown, history=history(app, shown["cs"]))
