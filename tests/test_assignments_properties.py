"""A property over random small rounds, through the service and the database: no conflict rule is
ever broken and no panel gets more than R, whatever the roster, the rules and the earlier runs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.assignments.manual import recuse
from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.assignments.service import auto_assign
from evaluator.extensions import db

COUNTIES = ["510104", "510107", "510302", "510303", "511102"]

rounds = st.fixed_dictionaries(
    {
        "apps": st.lists(st.tuples(st.sampled_from(COUNTIES), st.booleans()), min_size=1, max_size=8),
        "reviewers": st.lists(
            st.tuples(st.sampled_from(COUNTIES), st.integers(0, 3)), min_size=1, max_size=8
        ),
        "declared": st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=6),
        "r": st.integers(1, 3),
        "level": st.sampled_from(["county", "city"]),
        "max_load": st.one_of(st.none(), st.integers(1, 4)),
        "seed": st.integers(0, 5),
        "recusals": st.integers(0, 2),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=rounds)
def test_no_rule_ever_broken(app, make_round, case):
    for table in (
        "assignment",
        "conflict_declaration",
        "application",
        "user_account",
        "organisation",
        "round",
    ):
        db.session.execute(db.metadata.tables[table].delete())
    db.session.commit()
    rnd = make_round("review")
    rnd.settings = {
        "reviewers_per_application": case["r"],
        "max_load": case["max_load"],
        "conflicts": {"region_level": case["level"]},
    }
    apps = []
    for i, (county, _shared) in enumerate(case["apps"]):
        org = Organisation(
            name=f"单位{i}",
            kind="community",
            city="某市",
            city_code=county[:4] + "00",
            county="某区",
            county_code=county,
        )
        db.session.add(org)
        db.session.flush()
        apps.append(Application(round_id=rnd.id, organisation_id=org.id, status="under_review", figures={}))
    db.session.add_all(apps)
    revs = []
    for j, (region, aff) in enumerate(case["reviewers"]):
        revs.append(
            User(
                username=f"rev{j}",
                display_name=f"专家{j}",
                password_hash="x",
                role="reviewer",
                home_region_code=region,
                expertise=["basics"] if j % 2 else ["quality"],
                affiliation=f"单位{aff}" if aff < len(apps) and case["apps"][aff][1] else None,
            )
        )
    db.session.add_all(revs)
    db.session.flush()
    pairs = {(a, r) for a, r in case["declared"] if a < len(apps) and r < len(revs)}
    db.session.add_all(  # every third one pending: only the accepted ones bind
        ConflictDeclaration(
            round_id=rnd.id,
            side="reviewer",
            reviewer_id=revs[r].id,
            organisation_name=f"单位{a}",
            organisation_id=apps[a].organisation_id,
            declared_by=revs[r].id,
            reason="x",
            status="pending" if (a + r) % 3 == 0 else "accepted",
        )
        for a, r in sorted(pairs)
    )
    db.session.flush()
    office = User(username="office", display_name="office", password_hash="x", role="admin")
    db.session.add(office)
    db.session.flush()
    auto_assign(office, rnd, seed=case["seed"])
    for row in db.session.scalars(select(Assignment).limit(case["recusals"])).all():
        recuse(row.reviewer, row, "conflict found")
    auto_assign(office, rnd, seed=case["seed"] + 1)
    check(rnd, apps, revs, case)
    db.session.rollback()


def check(rnd, apps, revs, case):
    declared = set(
        db.session.execute(
            select(Application.id, ConflictDeclaration.reviewer_id)
            .join(Application, Application.organisation_id == ConflictDeclaration.organisation_id)
            .where(ConflictDeclaration.status == "accepted")
        )
    )
    by_app = {a.id: a for a in apps}
    by_rev = {r.id: r for r in revs}
    width = 6 if case["level"] == "county" else 4
    panel: dict[int, int] = {}
    loads: dict[int, int] = {}
    seen = set()
    for row in db.session.scalars(select(Assignment)):
        assert (row.application_id, row.reviewer_id) not in seen
        seen.add((row.application_id, row.reviewer_id))
        if row.status != "active":
            continue
        app_, rev = by_app[row.application_id], by_rev[row.reviewer_id]
        org = db.session.get(Organisation, app_.organisation_id)
        assert org.county_code[:width] != rev.home_region_code[:width]
        assert rev.affiliation != org.name
        assert (row.application_id, row.reviewer_id) not in declared
        panel[row.application_id] = panel.get(row.application_id, 0) + 1
        loads[row.reviewer_id] = loads.get(row.reviewer_id, 0) + 1
    assert all(n <= case["r"] for n in panel.values())
    if case["max_load"]:
        assert all(n <= case["max_load"] for n in loads.values())
