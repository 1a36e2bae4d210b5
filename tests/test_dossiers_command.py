"""``flask dossiers-issue``: a round's dossiers issued as a batch from the command line, in process;
run again, every unit is skipped; a round without recognised units or an unknown round fails."""

from __future__ import annotations

from evaluator.dossiers.models import Dossier, DossierJob
from evaluator.extensions import db
from evaluator.rounds.models import Round


def test_the_command_issues_a_rounds_dossiers_and_skips_them_the_second_time(runner, make_recognised_round):
    rr = make_recognised_round(n_apps=4, n_recognised=2)
    first = runner.invoke(args=["dossiers-issue", str(rr.rnd.id)])
    assert first.exit_code == 0, first.output
    assert "2 issued, 0 already valid, 0 failed, 0 waiting, of 2." in first.output
    db.session.expire_all()
    assert db.session.query(Dossier).filter_by(round_id=rr.rnd.id).count() == 2
    job = db.session.query(DossierJob).order_by(DossierJob.id.desc()).first()
    assert job.created_by is None and job.state == "finished"
    again = runner.invoke(args=["dossiers-issue", str(rr.rnd.id)])
    assert again.exit_code == 0 and "0 issued, 2 already valid" in again.output
    assert db.session.query(Dossier).filter_by(round_id=rr.rnd.id).count() == 2


def test_the_command_fails_for_an_unknown_round_or_one_without_recognised_units(runner, make_scored_round):
    assert runner.invoke(args=["dossiers-issue", "999999"]).exit_code == 1
    sr = make_scored_round(n_apps=3)
    res = runner.invoke(args=["dossiers-issue", str(sr.rnd.id)])
    assert res.exit_code == 1 and "no recognised application" in res.output


def test_the_demo_issues_the_dossiers_of_last_years_recognised_round(runner, signing_files, app):
    app.config["DOSSIER_SIGNING_KEY"], app.config["DOSSIER_SIGNING_CERT"] = map(str, signing_files)
    res = runner.invoke(args=["demo", "load", "--applicants", "4", "--dossiers"])
    assert res.exit_code == 0, res.output
    db.session.expire_all()
    issued = db.session.query(Dossier).count()
    assert issued >= 1 and f"Issued {issued} dossiers of " in res.output and "(0 failed)" in res.output
    rounds = {d.round_id for d in db.session.query(Dossier)}
    assert {db.session.get(Round, r).phase for r in rounds} == {"final"}
