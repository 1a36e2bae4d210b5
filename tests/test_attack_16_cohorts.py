"""Attacks on the cohort pages by a careless clerk: one click on "Form the cohorts now" after the
office has moved applications."""

from __future__ import annotations

from evaluator.cohort_runs import service
from evaluator.extensions import db
from tests.pages import post


def test_forming_the_cohorts_again_does_not_silently_drop_the_offices_moves(page_client, make_cohort_round):
    rnd, apps = make_cohort_round()
    service.run(None, rnd)
    db.session.commit()
    app = apps[0]
    before = service.current_cohorts(rnd.id)[app.id].number
    target = 2 if before != 2 else 3
    service.move(None, app, {"cohort": target, "reason": "规模接近"})
    db.session.commit()
    office = page_client("admin")
    runs = service.latest(rnd.id).id
    res = post(office, f"/office/rounds/{rnd.id}/cohorts", {})
    db.session.expire_all()
    assert res.status_code == 422 and 'id="replace_moves-errors"' in res.get_data(as_text=True)
    assert service.latest(rnd.id).id == runs and service.current_cohorts(rnd.id)[app.id].number == target
    # Confirmed, the cohorts are formed anew: the move stays with the earlier run only.
    res = post(office, f"/office/rounds/{rnd.id}/cohorts", {"replace_moves": "1"})
    db.session.expire_all()
    assert res.status_code == 303 and service.latest(rnd.id).id != runs
    assert service.moves_of(service.latest(rnd.id)) == []
