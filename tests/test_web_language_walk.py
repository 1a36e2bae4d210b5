"""Every page of the service, as every role, in both languages, over a world with data in every
state: no inner identifier (snake_case, bracketed or dotted paths, the workflow's values, ISO times)
and one language per page — no English words in a Chinese page beyond a short list, no Chinese in
an English page beyond the world's own names, no half-width punctuation in Chinese text.

Pages are read through the Flask test client (no browser). The world is the demo (open rounds and a
scored one) moved through the services into every state, and a round in review with draft,
submitted and recused reviews; it is built once for the module (tests/worlds.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.accounts.places import place_names
from evaluator.applications.models import Application, Material
from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.audit.models import AuditEvent
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from evaluator.shortlists.models import Objection, Shortlist, ShortlistEntry
from tests.pages import DOWNLOADS
from tests.test_materials import PDF_BYTES
from tests.visible import CJK, findings

ALLOWED_WORDS = (
    *("PDF", "XLSX", "CSV", "JSON", "DOCX", "JPEG", "PNG", "YAML", "Excel", "UTF-8", "GB18030", "GB/T"),
    *("SHA-256", "API", "MB", "KB", "m", "km", "z", "Ctrl+S", "ZIP"),
)
"""Latin words a Chinese page may show: file formats and encodings people know by these names (PDF,
XLSX, CSV, JSON, DOCX, JPEG, PNG, YAML, Excel, UTF-8, GB18030, ZIP), the national standards' prefix (GB/T),
the checksum's name (SHA-256), the programming interface (API), the units MB, KB, m², km², and
the z of z 分数 (standard scores, as Chinese statistics writes them), and the keys Ctrl+S as the
keyboard shows them."""


@pytest.fixture(autouse=True)
def _isolated(app, tmp_path, monkeypatch):
    from evaluator.audit import pages as audit_pages

    monkeypatch.setattr(audit_pages, "PAGE_SIZE", 1000)  # the whole log on one page
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))
    monkeypatch.setitem(app.config, "IMPORT_PENDING_DIR", str(tmp_path / "pending"))


@dataclass
class World:
    """The clients by role and the ids to fill each page's address with, by role."""

    clients: dict[str, list] = field(default_factory=dict)
    ids: dict[str, dict[str, list]] = field(default_factory=dict)


def _owner(application: Application) -> User:
    return db.session.scalars(select(User).where(User.organisation_id == application.organisation_id)).first()


def _active(rnd: Round) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.round_id == rnd.id, Assignment.status == "active")
            .order_by(Assignment.id)
        )
    )


def _office(role: str, application: Application) -> User:
    code = (
        application.organisation.county_code
        if role == "county_office"
        else application.organisation.city_code
    )
    return db.session.scalars(
        select(User).where(User.role == role, User.home_region_code == code).order_by(User.id)
    ).first()


def _apps(rnd: Round) -> list[Application]:
    return list(
        db.session.scalars(select(Application).where(Application.round_id == rnd.id).order_by(Application.id))
    )


@pytest.fixture
def world(app, worlds, page_client, make_user, make_scored_round):
    """The demo (rounds open and scored) moved into every state through the services, a round in
    review with draft, submitted and recused reviews, rounds in preparation, notice and final, and
    the office's acts in the audit log; one signed-in client per role (two applicants)."""
    from evaluator.accounts import service as accounts
    from evaluator.applications import service as applications
    from evaluator.assignments import declarations, manual, profile
    from evaluator.demo.loader import load_demo
    from evaluator.materials import service as materials
    from evaluator.results.service import compute
    from evaluator.rounds import service as rounds
    from evaluator.rounds.settings import update_settings
    from evaluator.vetting import quota
    from evaluator.vetting import service as vetting

    def build():
        summary = load_demo(applicants=4)
        db.session.commit()
        admin = db.session.scalars(select(User).where(User.role == "admin")).one()
        cgz, ssz, fc, last, scored = summary.rounds
        apps, others = _apps(fc), _apps(ssz)
        owner = {a.id: _owner(a) for a in apps + others + _apps(cgz)}
        pool = db.session.scalars(select(User).where(User.role == "reviewer").order_by(User.id)).all()
        section = load_criteria("fc-2026").indicators[0].id
        county, city = (lambda a: _office("county_office", a)), (lambda a: _office("city_office", a))
        acts = [  # each as a request of its own: one transaction, committed
            lambda: vetting.endorse(county(apps[0]), apps[0], "材料齐全"),
            lambda: vetting.return_application(county(apps[1]), apps[1], "请补充社区活动照片"),
            lambda: vetting.decline(county(apps[2]), apps[2], "不符合申报条件"),
            lambda: vetting.endorse(county(apps[3]), apps[3], None),
            lambda: vetting.check(city(apps[3]), apps[3], True, "审核通过"),
            lambda: quota.recommend(city(apps[3]), fc, apps[3].organisation.city_code, [apps[3].id]),
            lambda: applications.withdraw(owner[_apps(cgz)[0].id], _apps(cgz)[0]),
            lambda: materials.upload(owner[apps[1].id], apps[1], io.BytesIO(PDF_BYTES), "社区活动照片.pdf"),
            lambda: materials.delete(
                owner[apps[1].id],
                materials.upload(owner[apps[1].id], apps[1], io.BytesIO(PDF_BYTES + b"x"), "旧方案.pdf"),
            ),
            lambda: declarations.declare_by_reviewer(
                pool[0], ssz, others[0].organisation.name, "曾在该社区任职"
            ),
            lambda: declarations.decide(
                admin,
                declarations.declare_by_applicant(owner[others[1].id], ssz, pool[1], "曾参与指导"),
                "refused",
                "不构成利益冲突",
            ),
            lambda: declarations.decide(
                admin,
                declarations.declare_by_reviewer(
                    pool[2], ssz, others[2].organisation.name, "亲属在该社区工作"
                ),
                "accepted",
                "属实",
            ),
            lambda: update_settings(admin, fc, {"city_quotas": {"510100": {"kind": "number", "value": 2}}}),
            lambda: rounds.update_round(
                admin,
                rounds.create_round(admin, "2027年度四川省特色社区评审（筹备）", load_criteria("fc-2026")),
                {"title": "2027年度四川省特色社区评审（筹备中）", "notice_days": 10},
            ),
            lambda: profile.set_profile(admin, pool[3], [section], affiliation="bureau:510107"),
            lambda: accounts.set_active(admin, pool[4], False),
            lambda: accounts.reset_password(admin, pool[5]),
        ]
        for act in acts:
            act()
            db.session.commit()
        draft = db.session.scalars(select(Round).where(Round.phase == "draft")).one()
        scored.phase, ssz.phase = "notice", "final"  # the last phases, as the office's moves leave them
        for k, a in enumerate(_apps(scored)):
            a.status = ("shortlisted", "not_shortlisted", "scored")[k % 3]
        for k, a in enumerate(others):
            a.status = ("recognised", "rejected", "under_review")[k % 3]
        review = make_scored_round(n_apps=3, n_reviewers=5, per_app=3, phase="review")
        compute(admin, review.rnd)
        db.session.commit()
        manual.remove(admin, _active(review.rnd)[0], "工作调整")
        db.session.commit()
        expert = review.reviewers[0]
        from evaluator.cohort_runs.service import current_cohorts

        grouped = db.session.get(Application, min(current_cohorts(scored.id)))  # in the demo's cohorts
        dossier, job, revoked = _dossiers(admin, scored)

        w = World()
        w.clients = {
            "admin": [page_client("admin")],
            "applicant": [
                page_client("applicant", organisation=apps[1].organisation),
                page_client("applicant", organisation=apps[3].organisation),
                page_client("applicant", organisation=grouped.organisation),
            ],
            "county_office": [
                page_client("county_office", home_region_code=apps[0].organisation.county_code)
            ],
            "city_office": [page_client("city_office", home_region_code=apps[3].organisation.city_code)],
            "reviewer": [page_client(user=expert)],
            "anonymous": [app.test_client()],
        }
        every_round = [draft, cgz, ssz, fc, last, scored, review.rnd]
        by_status: dict[str, Application] = {}
        for rnd in every_round:
            for a in _apps(rnd):
                by_status.setdefault(a.status, a)
        materials_ = db.session.scalars(select(Material).order_by(Material.id)).all()
        expert_assignments = db.session.scalars(
            select(Assignment).where(Assignment.reviewer_id == expert.id)
        ).all()
        reviewed = [a for a in review.apps]
        lists = db.session.scalars(select(Shortlist).order_by(Shortlist.id)).all()
        objections_ = db.session.scalars(select(Objection).order_by(Objection.id)).all()
        public = [f"/public/shortlists/{x.id}" for x in lists if x.state == "published"]
        public += [f"/public/shortlists/{x.id}/objection" for x in lists if x.state == "published"][:2]
        public += [f"/public/objections/{o.receipt}" for o in objections_]
        office_ids = {
            "round_id": [r.id for r in every_round],
            "rounds_with_panels": [review.rnd.id, scored.id, fc.id],
            "application_id": [by_status[s].id for s in SHOWN_STATUSES],
            "material_id": [materials_[0].id],
            "user_id": [admin.id, *(u.id for u in pool[3:6]), owner[apps[1].id].id, county(apps[0]).id],
            "pairs": [(review.rnd.id, a.id) for a in reviewed[:2]]
            + [(scored.id, a.id) for a in _apps(scored)[:1]],
            "job_id": [job.id],
            "dossier_id": [dossier.id, revoked.id],
            "shortlist_id": [x.id for x in lists],
            "objection_id": [o.id for o in objections_],
        }
        w.ids = {
            "admin": office_ids,
            "applicant": {
                "application_id": [apps[1].id, apps[3].id, grouped.id],
                "material_id": [materials_[0].id],
                "round_id": [fc.id],
            },
            "county_office": {"application_id": [apps[0].id, apps[1].id, apps[2].id]},
            "city_office": {"application_id": [apps[3].id]},
            "reviewer": {"assignment_id": [a.id for a in expert_assignments]},
            "anonymous": {
                "public": public,
                "code": [dossier.code, revoked.code, "AAAA-BBBB-CCCC-DDDD"],
            },
        }
        return w

    return worlds.reuse("walk", build, folders=["MATERIALS_DIR"])


def _dossiers(admin, scored):
    """The scored round's three best applications recognised: the first one's dossier issued, the
    second's issued and revoked, a batch rendering the third's; the two dossiers and the batch."""
    from evaluator import tasks
    from evaluator.dossiers import jobs
    from evaluator.dossiers import service as dossiers
    from evaluator.results.models import ApplicationResult, ResultSnapshot

    snapshot = db.session.scalars(
        select(ResultSnapshot).where(ResultSnapshot.round_id == scored.id).order_by(ResultSnapshot.id.desc())
    ).first()
    best = db.session.scalars(
        select(ApplicationResult.application_id)
        .where(ApplicationResult.snapshot_id == snapshot.id, ApplicationResult.rank.is_not(None))
        .order_by(ApplicationResult.rank)
        .limit(3)
    ).all()
    for app_id in best:
        db.session.get(Application, app_id).status = "recognised"
    db.session.commit()
    dossier = dossiers.issue(admin, db.session.get(Application, best[0]))
    revoked = dossiers.issue(admin, db.session.get(Application, best[1]))
    db.session.commit()
    dossiers.revoke(admin, revoked, {"reason": "复核发现材料不实"})
    db.session.commit()
    job = jobs.start(admin, scored)
    db.session.commit()
    tasks.wait_idle()
    return dossier, job, revoked


# ------------------------------------------------------------------------------------------ the walk

HOMES = {
    "admin": "/office",
    "applicant": "/applicant",
    "county_office": "/region",
    "city_office": "/region",
    "reviewer": "/reviewer",
    "anonymous": None,
}
EVERYONE = ("/", "/sign-in", "/account/password", "/api/v1/docs", "/nowhere", "/office/")
SHOWN_STATUSES = (
    "draft",
    "withdrawn",
    "recommended",
    "declined",
    "under_review",
    "shortlisted",
    "recognised",
)
"""The statuses whose applications the office's application page is opened for."""
ROUND_PAGES = {"office.round", "office.round_edit", "office.round_settings"}
"""The pages of a round opened for a round in every phase; the round's other pages (assignments,
results) for the rounds that have some."""


def addresses(app, role: str, ids: dict[str, list], first: bool) -> list[tuple[str, str]]:
    """The role's pages as (endpoint, address): every GET page of its part of the site with each id
    of the world; with ``first`` (the role's first client) the pages everyone opens and the
    role's lists filtered."""
    found: list[tuple[str, str]] = []
    home = HOMES[role]
    for rule in app.url_map.iter_rules() if home else ():
        if "GET" not in rule.methods or rule.endpoint in DOWNLOADS or not rule.rule.startswith(home):
            continue
        arguments = sorted(rule.arguments)
        if arguments == ["application_id", "round_id"]:
            values = [
                dict(zip(("round_id", "application_id"), pair, strict=True)) for pair in ids.get("pairs", [])
            ]
        elif arguments == ["round_id"] and rule.endpoint not in ROUND_PAGES:
            values = [{"round_id": r} for r in ids.get("rounds_with_panels", [])]
        elif len(arguments) == 1:
            values = [{arguments[0]: v} for v in ids.get(arguments[0], [])]
        else:
            values = [{}] if not arguments else []
        found += [(rule.endpoint, rule.build(v)[1]) for v in values]
    found += [("public pages", url) for url in ids.get("public", [])]
    if role == "anonymous":  # the public verification of dossiers, a code that does not exist too
        found += [("public.verify_form", "/verify")]
        found += [("public.verify", f"/verify/{code}") for code in ids.get("code", [])]
    if first:
        found += [("everyone", url) for url in EVERYONE]
        if role == "admin":
            found += [("office.accounts", "/office/accounts?view=organisations")]
            found += [("office.applications", f"/office/applications?round={r}") for r in ids["round_id"]]
        if role == "city_office":
            found.append(("region.ranking", "/region/ranking"))
    return found


def _cjk_strings(value) -> set[str]:
    if isinstance(value, str):
        return {value} if CJK.search(value) else set()
    if isinstance(value, dict):
        return set().union(set(), *(_cjk_strings(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(_cjk_strings(v) for v in value))
    return set()


def world_text() -> list[str]:
    """The world's own words: names of organisations, places, people and files, titles, usernames,
    dossiers' numbers and verification codes, what people wrote (reasons, notes, comments, objections)
    and what the audit log recorded of them, the longest first."""
    from evaluator.dossiers.models import Dossier
    from evaluator.dossiers.service import shown_code
    from evaluator.vetting.models import RegionCheck

    words: set[str] = set(place_names().values())  # every city and county, by name
    for org in db.session.scalars(select(Organisation)):
        words |= {org.name, org.city, org.county, org.subdistrict or ""}
    for user in db.session.scalars(select(User)):
        words |= {user.display_name, user.username, user.affiliation or ""}
    words |= {r.title for r in db.session.scalars(select(Round))}
    words |= {m.filename for m in db.session.scalars(select(Material))}
    for c in db.session.scalars(select(ConflictDeclaration)):
        words |= {c.organisation_name or "", c.reason or "", c.decision_reason or ""}
    for a in db.session.scalars(select(Application)):
        words |= {a.office_note or ""} | {v for v in (a.figures or {}).values() if isinstance(v, str)}
    for a in db.session.scalars(select(Assignment)):
        words |= {a.end_reason or "", a.override_reason or ""}
    for r in db.session.scalars(select(Review)):
        words |= set((r.comments or {}).values()) | {v.get("reason", "") for v in r.vetoes or []}
    words |= {c.note or "" for c in db.session.scalars(select(RegionCheck))}
    for number, code in db.session.execute(select(Dossier.number, Dossier.code)):
        words |= {number, shown_code(code)}
    for o in db.session.scalars(select(Objection)):
        words |= {o.receipt, o.name, o.contact, o.text, o.decision_reason or ""}
    for x in db.session.scalars(select(Shortlist)):
        words |= {x.correction_reason or ""}
    words |= {e.note or "" for e in db.session.scalars(select(ShortlistEntry))}
    for summary in db.session.scalars(select(AuditEvent.summary)):
        words |= _cjk_strings(summary)
    return sorted((w for w in words if w and w.strip()), key=len, reverse=True)


@dataclass(frozen=True)
class Finding:
    """A problem on a page: who saw it where, of which kind, in which text."""

    role: str
    language: str
    endpoint: str
    url: str
    kind: str
    text: str


def walk(app, w: World) -> tuple[list[Finding], int]:
    """Every page of every role in both languages: the findings, and the number of pages read."""
    data = world_text()
    judged: dict[tuple[str, str], list[str]] = {}
    out, read = [], 0
    for role, clients in w.clients.items():
        for k, client in enumerate(clients):
            for language in ("zh", "en"):
                client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
                for endpoint, url in addresses(app, role, w.ids[role], first=k == 0):
                    res = client.get(url)
                    if res.mimetype != "text/html" or 300 <= res.status_code < 400:
                        res.close()  # a download, or a redirect people never see
                        continue
                    assert res.status_code < 500, (role, url, res.status_code)
                    read += 1
                    found = findings(res.get_data(as_text=True), language, data, ALLOWED_WORDS, judged)
                    out += [Finding(role, language, endpoint, url, kind, text) for kind, text in found]
    return out, read


def test_every_page_speaks_one_language_and_shows_no_inner_name(app, world):
    found, read = walk(app, world)
    assert read > 150  # every role's pages were read, in both languages
    shown = sorted({(f.endpoint, f.language, f.kind, f.text[:150], f.url) for f in found})
    assert not shown, "\n".join(
        f"{e} [{lang}] {kind}: {text!r} ({url})" for e, lang, kind, text, url in shown[:60]
    )
