"""Every audit event reads as a sentence in the page's language: the actions the services record
are found in the code (every ``audit.record`` call), each has a sentence, and each sentence names
the organisation, round or account by its name, with labels, Beijing time and nothing internal."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from markupsafe import Markup

from evaluator import workflow
from evaluator.applications.models import Application, Material
from evaluator.audit.models import AuditEvent
from evaluator.audit.names import names_for
from evaluator.audit.sentences import SENTENCES, describe
from evaluator.extensions import db
from tests.visible import chinese, english_words, half_width, inner_names, visible_text, without_data

PACKAGE = Path(__file__).resolve().parents[1] / "evaluator"


# ------------------------------------------------------------------- the actions the code records


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == name
    ]


def _argument(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    for k in call.keywords:
        if k.arg == keyword:
            return k.value
    return call.args[position] if len(call.args) > position else None


def _functions(tree: ast.AST) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


def _enclosing(tree: ast.AST, node: ast.AST) -> ast.FunctionDef:
    return next(f for f in _functions(tree) if any(n is node for n in ast.walk(f)))


class UnresolvedError(Exception):
    """An action written in a way this test cannot follow: write it as a constant, a conditional of
    constants, a variable or parameter given such values, or ``f"application.{move.done}"``."""


def _values(node: ast.AST, tree: ast.AST, trees: dict[Path, ast.AST]) -> set[str]:
    """The string values an expression can take, followed through variables, the parameters of the
    enclosing function (every call of it in its module), workflow enums and move names."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _values(node.body, tree, trees) | _values(node.orelse, tree, trees)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        enum = getattr(workflow, node.value.id, None)
        if enum is not None and hasattr(enum, node.attr):
            return {getattr(enum, node.attr).value}
    if isinstance(node, ast.JoinedStr):  # f"application.{move.done}": the moves made by move_application
        parts = node.values
        if (
            len(parts) == 2
            and isinstance(parts[0], ast.Constant)
            and isinstance(parts[1], ast.FormattedValue)
            and ast.unparse(parts[1].value) == "move.done"
        ):
            actions = set()
            for other in trees.values():
                for call in _calls(other, "move_application"):
                    actions |= _values(_argument(call, 2, "action"), other, trees)
            return {f"{parts[0].value}{workflow.MOVES[a].done}" for a in actions}
    if isinstance(node, ast.Name):
        function = _enclosing(tree, node)
        assigned = [
            n.value
            for n in ast.walk(function)
            if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == node.id for t in n.targets)
        ]
        if assigned:
            return set().union(*(_values(v, tree, trees) for v in assigned))
        params = [a.arg for a in function.args.args]
        if node.id in params:
            index = params.index(node.id)
            found: set[str] = set()
            for call in _calls(tree, function.name):
                given = _argument(call, index, node.id)
                if given is not None:
                    found |= _values(given, tree, trees)
            if found:
                return found
        constants = [  # a module's constant, e.g. CLOSED_EVENT = "round.vetting_closed"
            n.value
            for n in getattr(tree, "body", [])
            if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == node.id for t in n.targets)
        ]
        if constants:
            return set().union(*(_values(v, tree, trees) for v in constants))
    raise UnresolvedError(ast.unparse(node))


def recorded_actions() -> set[str]:
    """Every action an ``audit.record`` call of the package can record."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")}
    actions: set[str] = set()
    for tree in trees.values():
        for call in _calls(tree, "record"):
            if getattr(call.func, "value", None) is None or getattr(call.func.value, "id", None) != "audit":
                continue
            actions |= _values(_argument(call, 1, "action"), tree, trees)
    return actions


def test_every_action_the_services_record_has_a_sentence():
    actions = recorded_actions()
    assert len(actions) > 30  # the search found the calls
    assert {"application.returned", "review.reopened", "assignment.recuse"} <= actions  # followed
    assert sorted(actions - set(SENTENCES)) == [], "actions without a sentence (audit/sentences.py)"
    assert sorted(set(SENTENCES) - actions) == [], "sentences of actions nothing records"


# --------------------------------------------------------------------------- the sentences read


@pytest.fixture
def scene(app, make_org, make_round, make_user):
    """An organisation's application with a file in a round, a reviewer and the office."""
    org = make_org(name="玉林北路社区", county="武侯区", county_code="510107")
    rnd = make_round(title="2026年度测试批次")
    reviewer, _ = make_user("reviewer", affiliation="bureau:510107")
    office, _ = make_user("admin")
    reviewer.display_name, office.display_name = "李明远", "省民政厅"
    application = Application(round_id=rnd.id, organisation_id=org.id, status="submitted", figures={})
    db.session.add(application)
    db.session.flush()
    material = Material(
        application_id=application.id,
        filename="方案.pdf",
        content_type="application/pdf",
        size=12345,
        sha256="0" * 64,
        uploaded_by=office.id,
    )
    db.session.add(material)
    db.session.commit()
    return org, rnd, application, material, reviewer, office


def samples(org, rnd, app, material, reviewer, office) -> dict[str, tuple[str, int | None, dict]]:
    """An event of every action, as its service records it: (object type, object id, summary)."""
    a, r, u = app.id, rnd.id, reviewer.id
    change = {
        "figures.households": {"before": None, "after": 10},
        "self_assessment.A1": {"before": 1, "after": 2},
    }
    status = {"before": "submitted", "after": "endorsed"}
    assignment = {"round_id": r, "application_id": a, "reviewer_id": u, "kind": "materials"}
    review = {
        "assignment_id": 3,
        "application_id": a,
        "version": 2,
        "scores": {"plan": {"before": None, "after": 3}},
    }
    return {
        "application.created": (
            "application",
            a,
            {"round_id": r, "organisation": org.name, "changed": change, "warnings": 1},
        ),
        "application.updated": (
            "application",
            a,
            {"changed": {**change, "bonus_claims": {"before": [], "after": ["x_y"]}}, "warnings": 0},
        ),
        "application.submitted": (
            "application",
            a,
            {"status": status, "submitted_at": "2026-12-06T18:07:19.982338+00:00", "warnings": 2},
        ),
        "application.withdrawn": ("application", a, {"status": status}),
        "application.imported": (
            "application",
            a,
            {
                "round_id": r,
                "organisation": org.name,
                "row": 7,
                "file_sha256": "f" * 64,
                "status": status,
                "warnings": 0,
            },
        ),
        "application.endorsed": ("application", a, {"status": status, "level": "county", "note": "材料齐全"}),
        "application.returned": (
            "application",
            a,
            {"status": status, "level": "city", "reason": "请补充照片"},
        ),
        "application.declined": (
            "application",
            a,
            {"status": status, "level": "county", "reason": "不符合条件"},
        ),
        "application.checked": ("application", a, {"level": "city", "passed": True, "note": None}),
        "application.recommended": ("application", a, {"status": status, "level": "city", "city_rank": 2}),
        "application.unrecommended": (
            "application",
            a,
            {"status": status, "level": "city", "city_rank": {"before": 2, "after": None}},
        ),
        "application.reranked": ("application", a, {"city_rank": {"before": 2, "after": 1}}),
        "material.uploaded": (
            "material",
            material.id,
            {
                "application_id": a,
                "filename": "方案.pdf",
                "size": 12345,
                "sha256": "0" * 64,
                "content_type": "application/pdf",
                "indicator_id": "party_building",
                "material_key": "photos_before_after",
            },
        ),
        "material.deleted": (
            "material",
            999,
            {"application_id": a, "filename": "方案.pdf", "indicator_id": "x_y", "material_key": "a_b"},
        ),
        "round.created": ("round", r, {"title": rnd.title, "criteria": "fc-2026", "sha256": "a" * 64}),
        "round.updated": (
            "round",
            r,
            {
                "changed": {
                    "title": {"before": "旧名称", "after": rnd.title},
                    "submission_deadline": {"before": None, "after": "2026-12-06T18:07:19+00:00"},
                    "notice_days": {"before": 7, "after": 10},
                    "criteria_id": {"before": "a", "after": "b"},
                    "zone_type": {"before": "featured_community", "after": "subdistrict_service_zone"},
                }
            },
        ),
        "round.settings_changed": (
            "round",
            r,
            {
                "changed": {
                    "county_step": {"before": True, "after": False},
                    "quota": {
                        "before": {"kind": "share", "value": 0.5},
                        "after": {"kind": "number", "value": 4},
                    },
                    "city_quotas": {
                        "before": {},
                        "after": {
                            "510100": {"kind": "number", "value": 12},
                            "510700": {"kind": "share", "value": 0.4},
                        },
                    },
                    "max_load": {"before": None, "after": 3},
                    "conflicts": {
                        "before": {
                            "same_region": True,
                            "region_level": "county",
                            "same_affiliation": True,
                            "declared": True,
                        },
                        "after": {
                            "same_region": True,
                            "region_level": "city",
                            "same_affiliation": False,
                            "declared": True,
                        },
                    },
                    "disagreement_spread": {"before": 0.3, "after": 0.25},
                }
            },
        ),
        "round.transition": ("round", r, {"from": "open", "to": "review", "reason": "截止时间已过"}),
        "round.entered_review": (
            "round",
            r,
            {
                "to_status": "under_review",
                "applications": 3,
                "application_ids": [a],
                "county_step": True,
                "city_step": False,
            },
        ),
        "round.vetting_closed": (
            "round",
            r,
            {
                "to_status": "not_recommended",
                "applications": 2,
                "application_ids": [a],
                "stopped_at": {"county": [a], "city": [], "returned": []},
                "county_step": True,
                "city_step": True,
            },
        ),
        "results.computed": (
            "round",
            r,
            {
                "snapshot_id": 4,
                "engine_version": "1.0",
                "criteria_sha256": "a" * 64,
                "input_sha256": "b" * 64,
                "applications": 3,
                "ranked": 2,
                "vetoed": 1,
                "incomplete": 0,
            },
        ),
        "cohorts.computed": (
            "round",
            r,
            {
                "run_id": 2,
                "engine_version": "1.0",
                "data_hash": "d" * 64,
                "settings_sha256": "e" * 64,
                "applications": 30,
                "cohorts": 3,
                "silhouette": 0.612,
            },
        ),
        "dossier.issued": (
            "dossier",
            5,
            {"application_id": a, "number": "2026-3-000005", "pdf_sha256": "f" * 64},
        ),
        "dossier.revoked": (
            "dossier",
            5,
            {"application_id": a, "number": "2026-3-000005", "reason": "复核未通过"},
        ),
        "dossier.superseded": (
            "dossier",
            5,
            {
                "application_id": a,
                "number": "2026-3-000005",
                "reason": "更正评分",
                "by": "2026-3-000006",
            },
        ),
        "dossier.batch_started": ("round", r, {"job_id": 1, "applications": 12, "pending": 10}),
        "dossier.batch_retried": ("round", r, {"job_id": 1, "items": 2}),
        "cohorts.moved": (
            "application",
            a,
            {"run_id": 2, "round_id": r, "from": 1, "to": 2, "reason": "工作调整"},
        ),
        "organisation.created": (
            "organisation",
            org.id,
            {"name": org.name, "source": "import", "file_sha256": "c" * 64},
        ),
        "user.created": ("user", u, {"username": reviewer.username, "role": "county_office"}),
        "user.activated": ("user", u, {"username": reviewer.username}),
        "user.deactivated": ("user", u, {"username": reviewer.username}),
        "user.password_changed": ("user", u, {}),
        "user.password_reset": ("user", u, {"username": reviewer.username}),
        "auth.signed_in": ("user", u, {"session_id": 28}),
        "auth.signed_out": ("user", u, {"session_id": 28}),
        "auth.token_issued": ("user", u, {"token_id": 3}),
        "auth.token_revoked": ("user", u, {"token_id": 3}),
        "demo.loaded": ("demo", None, {"applicants": 4, "seed": 2026, "rounds": [1, 2, 3, 4]}),
        "assignment.auto": (
            "round",
            r,
            {
                "kind": "on_site",
                "seed": 0,
                "per_application": 5,
                "max_load": 3,
                "pairs_made": 15,
                "kept": 0,
                "applications": 3,
                "reviewers": 12,
                "loads": {"min": 1},
                "status": "partial",
                "staffed": 2,
                "coverage": 0.8,
                "fully_covered": 2,
                "uncovered": [{"application_id": a, "reason": "x"}],
                "uncovered_count": 1,
            },
        ),
        "assignment.add": (
            "assignment",
            5,
            {**assignment, "overridden": True, "override_reason": "专业对口"},
        ),
        "assignment.remove": ("assignment", 5, {**assignment, "reason": "工作调整", "review_voided": True}),
        "assignment.recuse": ("assignment", 5, {**assignment, "reason": "曾参与指导"}),
        "assignment.reassign": ("assignment", 5, {"application_id": a, "replacement": 6, "reviewer_id": u}),
        "conflict.declare": (
            "conflict_declaration",
            2,
            {
                "round_id": r,
                "side": "reviewer",
                "reviewer_id": u,
                "organisation_name": org.name,
                "organisation_id": org.id,
                "reason": "曾任职",
            },
        ),
        "conflict.decide": (
            "conflict_declaration",
            2,
            {
                "round_id": r,
                "side": "applicant",
                "reviewer_id": u,
                "status": {"before": "pending", "after": "refused"},
                "organisation_id": {"before": None, "after": org.id},
                "reason": {"before": None, "after": "理由不充分"},
            },
        ),
        "reviewer.profile": (
            "user",
            u,
            {
                "before": {"expertise": [], "affiliation": None},
                "after": {"expertise": ["basics", "gone_section"], "affiliation": "bureau:510107"},
            },
        ),
        "review.saved": ("review", 3, review),
        "review.submitted": (
            "review",
            3,
            {
                **review,
                "status": {"before": "draft", "after": "submitted"},
                "vetoes": {"before": [], "after": [{"flag": "falsified_materials", "reason": "x"}]},
            },
        ),
        "review.reopened": ("review", 3, {**review, "status": {"before": "submitted", "after": "draft"}}),
        "shortlist.drafted": (
            "round",
            r,
            {"shortlist_id": 1, "number": 1, "applications": 30, "selected": 12, "rules": {}, "replaced": []},
        ),
        "shortlist.adjusted": (
            "application",
            a,
            {"shortlist_id": 1, "round_id": r, "number": 1, "selected": True, "reason": "工作调整"},
        ),
        "shortlist.published": (
            "round",
            r,
            {
                "shortlist_id": 2,
                "number": 2,
                "sha256": "b" * 64,
                "listed": 11,
                "notice_starts": "2026-07-01",
                "notice_ends": "2026-07-07",
                "supersedes": 1,
                "reason": "截止时间已过",
            },
        ),
        "shortlist.correction_drafted": (
            "round",
            r,
            {"shortlist_id": 2, "number": 2, "supersedes": 1, "reason": "截止时间已过"},
        ),
        "objection.received": ("round", r, {"objection_id": 1, "receipt": "ABCD-EFGH-JKMN", "number": 1}),
        "objection.decided": (
            "round",
            r,
            {
                "objection_id": 1,
                "receipt": "ABCD-EFGH-JKMN",
                "outcome": "upheld",
                "remedy": "remove",
                "application_id": a,
                "correction": 2,
                "reason": "理由不充分",
            },
        ),
        "recognition.published": (
            "round",
            r,
            {"shortlist_id": 3, "number": 1, "sha256": "c" * 64, "listed": 11},
        ),
    }


# What each sentence must name (beyond naming nothing internal): its application, round, account …
MUST_NAME = {
    "application.": "org",
    "material.": "org",
    "review.": "org",
    "assignment.add": "org",
    "round.": "round",
    "results.": "round",
    "user.created": "reviewer",
    "reviewer.profile": "reviewer",
}


def _text(markup: Markup) -> str:
    return " ".join(visible_text(str(markup)))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_action_reads_as_a_sentence_in_the_pages_language(app, scene, language):
    org, rnd, _application, _material, reviewer, office = scene
    events = [
        AuditEvent(
            id=k + 1,
            at=datetime(2026, 12, 6, 18, 7, tzinfo=UTC),
            actor_id=office.id,
            action=action,
            object_type=object_type,
            object_id=None if ident is None else str(ident),
            summary=summary,
            prev_hash="",
            hash="",
        )
        for k, (action, (object_type, ident, summary)) in enumerate(samples(*scene).items())
    ]
    assert {e.action for e in events} == set(SENTENCES)  # a sample of every action
    data = [
        org.name,
        rnd.title,
        "旧名称",
        reviewer.display_name,
        reviewer.username,
        "方案.pdf",
        "成都市",
        "绵阳市",
        "武侯区",
    ]
    data += [
        "材料齐全",
        "请补充照片",
        "不符合条件",
        "截止时间已过",
        "专业对口",
        "工作调整",
        "曾参与指导",
        "曾任职",
        "理由不充分",
        "复核未通过",
        "更正评分",
        "ABCD-EFGH-JKMN",
    ]
    names = {"org": org.name, "round": f"“{rnd.title}”", "reviewer": reviewer.display_name}
    with app.test_request_context(headers={"Accept-Language": language}):
        looked_up = names_for(events)
        problems = {}
        for event in events:
            said = describe(event, looked_up)
            text = " ".join([_text(said.text), *(_text(d) for d in said.details)])
            found = inner_names(without_data(text, data))
            if language == "zh":
                found += english_words(without_data(text, data), ()) + half_width(without_data(text, data))
            else:
                found += chinese(without_data(text, data))
            if found:
                problems[event.action] = (text, found)
            for prefix, key in MUST_NAME.items():
                if event.action.startswith(prefix):
                    assert names[key] in text, (event.action, text)
    assert problems == {}


def test_the_sentences_say_times_in_beijing_time_and_lists_by_their_labels(app, scene):
    sample = samples(*scene)
    with app.test_request_context(headers={"Accept-Language": "zh"}):

        def said(action: str) -> str:
            object_type, ident, summary = sample[action]
            event = AuditEvent(action=action, object_type=object_type, object_id=str(ident), summary=summary)
            result = describe(event, names_for([event]))
            return " ".join([_text(result.text), *(_text(d) for d in result.details)])

        assert "2026年12月7日 02:07" in said("application.submitted")  # 18:07 UTC is 02:07 next day
        settings = said("round.settings_changed")
        assert "成都市：12 份申报" in settings and "绵阳市：按市州申报数的 0.4" in settings
        assert "回避的地区范围：县（市、区） → 市（州）" in settings
        assert "由“申报中”阶段推进到“专家评审”阶段" in said("round.transition")
        assert "成都市武侯区民政局" in said("reviewer.profile")
        assert "状态" not in said("application.submitted") and "session" not in said("auth.signed_in")


def test_a_name_links_to_its_page_on_the_audit_log(page_client, scene):
    org, _rnd, application, _material, _reviewer, office = scene
    from evaluator.audit import service as audit

    audit.record(
        office, "application.returned", "application", application.id, {"reason": "请补充<b>照片</b>"}
    )
    db.session.commit()
    page = page_client("admin").get("/office/audit").get_data(as_text=True)
    assert f'<a href="/office/applications/{application.id}">{org.name}</a>' in page
    assert "请补充&lt;b&gt;照片&lt;/b&gt;" in page  # what people typed stays text
    assert "申报 " + str(application.id) not in page and "Application " + str(application.id) not in page
