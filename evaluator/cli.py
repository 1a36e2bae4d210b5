"""Command-line commands: ``flask --app wsgi criteria …``, ``score`` and ``demo …``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from evaluator.criteria import CriteriaError, CriteriaSet, list_criteria, load_criteria, load_criteria_file
from evaluator.criteria.catalog import criteria_dir
from evaluator.i18n import localise
from evaluator.messages import msg
from evaluator.scoring.engine import score_round
from evaluator.scoring.errors import InputError, format_problem
from evaluator.scoring.sensitivity import weight_sensitivity
from evaluator.spreadsheets import MB, TableLimits
from evaluator.tables import TableError, read_table, write_tables
from evaluator.text import pad

criteria_cli = AppGroup("criteria", help="Validate and inspect criteria sets.")
demo_cli = AppGroup("demo", help="The bundled demonstration round.")


def _folder() -> Path:
    return Path(current_app.config.get("CRITERIA_DIR") or criteria_dir())


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(localise(line), err=True)
    sys.exit(1)


def _problem_lines(exc: CriteriaError, indent: str = "  ") -> list[str]:
    """Every problem of an invalid criteria set as ``path: problem``, in the reader's language."""
    return [
        f"{indent}{path}: {localise(message)}"
        for path, messages in exc.errors.items()
        for message in messages
    ]


def _problem_count(exc: CriteriaError, source: str | None = None) -> str:
    count = sum(len(m) for m in exc.errors.values())
    return msg("%(source)s: %(count)s problem(s)", source=source or exc.source, count=count)


def _criteria_or_fail(ref: str) -> CriteriaSet:
    try:
        return load_criteria(ref, _folder())
    except CriteriaError as exc:
        _fail([_problem_count(exc), *_problem_lines(exc)])
        raise  # unreachable: _fail exits


@criteria_cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate_cmd(files: tuple[str, ...]) -> None:
    """Validate criteria files; list every problem with its path."""
    bad = 0
    for file in files:
        try:
            cs = load_criteria_file(file)
        except CriteriaError as exc:
            bad += 1
            click.echo("✗ " + localise(_problem_count(exc, file)))
            for line in _problem_lines(exc, "    "):
                click.echo(line)
            continue
        click.echo(
            "✓ "
            + localise(
                msg(
                    "%(file)s: %(id)s %(version)s %(title)s — %(sections)s sections, "
                    "%(indicators)s indicators "
                    "(%(expert)s expert), %(fields)s fields, sha256 %(sha256)s",
                    file=file,
                    id=cs.id,
                    version=cs.version,
                    title=cs.title,
                    sections=len(cs.indicators),
                    indicators=len(cs.leaves),
                    expert=len(cs.expert_leaves),
                    fields=len(cs.fields),
                    sha256=cs.sha256[:12],
                )
            )
        )
    if bad:
        sys.exit(1)


@criteria_cli.command("list")
def list_cmd() -> None:
    """List the criteria sets in the criteria folder."""
    try:
        sets = list_criteria(_folder())
    except CriteriaError as exc:
        _fail([_problem_count(exc), *_problem_lines(exc)])
    for cs in sets:
        click.echo(f"{cs.id:12} {cs.version:8} {cs.zone_type:28} {cs.title}")


@criteria_cli.command("show")
@click.argument("ref")
def show_cmd(ref: str) -> None:
    """Show a set's tree with effective points, weights, methods and AHP consistency."""
    cs = _criteria_or_fail(ref)
    click.echo(f"{cs.title} ({cs.title_en}) — {cs.id} {cs.version}, {cs.zone_type}, scale {cs.scale:g}")
    if cs.root_ahp:
        click.echo(_ahp_line(cs.root_ahp, "  sections"))
    click.echo(f"{pad('indicator', 60)} {'points':>8} {'weight':>8}  how")
    for node in cs.walk():
        label = "  " * (node.level - 1) + f"{node.id} {node.name}"
        how = node.allocation
        if node.is_leaf:
            how += f", {node.method} [{'/'.join(node.check)}]"
        click.echo(f"{pad(label, 60)} {node.points:8.3f} {node.points / cs.scale:8.2%}  {how}")
        if node.ahp:
            click.echo(_ahp_line(node.ahp, "  " * node.level))
    if cs.vetoes:
        click.echo(localise(msg("vetoes: %(items)s", items=[v.reason for v in cs.vetoes])))
    if cs.bonus_items:
        items = [f"{b.name} +{b.points:g}" for b in cs.bonus_items]
        click.echo(
            localise(msg("bonus (cap %(cap)s): %(items)s", cap=format(cs.bonus_cap, "g"), items=items))
        )
    grades = [f"{g.label} ≥{g.min_total:g}" if g.min_total is not None else g.label for g in cs.grades]
    click.echo(localise(msg("grades: %(items)s", items=grades)))
    agg = cs.aggregation
    click.echo(
        localise(
            msg(
                "experts: %(method)s (trim from %(trim_from)s), at least %(min_reviews)s reviews, "
                "calibration "
                "%(calibration)s; ranking %(ranking)s, tie-break %(tie_break)s",
                method=agg.method,
                trim_from=agg.trim_from,
                min_reviews=agg.min_reviews,
                calibration=agg.calibration,
                ranking=cs.ranking.method,
                tie_break=" > ".join(cs.ranking.tie_break),
            )
        )
    )


def _ahp_line(info, indent: str) -> str:
    weights = ", ".join(f"{w:.4f}" for w in info.weights)
    return (
        f"{indent}AHP weights [{weights}] λmax={info.lambda_max:.4f} CI={info.ci:.4f} "
        f"CR={info.cr:.4f} ({info.ri_table})"
    )


def table_limits() -> TableLimits:
    """The limits of a table the command line reads, from the settings (TABLE_MAX_*)."""
    config = current_app.config
    size = int(config["TABLE_MAX_MB"]) * MB
    return TableLimits(
        max_bytes=size,
        max_unzipped=size,
        max_rows=int(config["TABLE_MAX_ROWS"]),
        max_columns=int(config["TABLE_MAX_COLUMNS"]),
        max_cells=int(config["TABLE_MAX_CELLS"]),
    )


def _read(path: str | None) -> pd.DataFrame | None:
    if path is None:
        return None
    try:
        return read_table(path, table_limits())
    except TableError as exc:
        _fail([str(exc)])
        raise


@click.command("score")
@click.option("--criteria", "ref", required=True, help="Criteria set id or YAML file.")
@click.option(
    "--applications",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Applications: CSV or XLSX with an id column and one column per field.",
)
@click.option(
    "--scores",
    type=click.Path(exists=True, dir_okay=False),
    help="Expert scores: application_id, reviewer_id, indicator_id, score[, flag].",
)
@click.option(
    "--bonus", type=click.Path(exists=True, dir_okay=False), help="Bonus claims: application_id, bonus_id."
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Results file: .csv (results only) or .xlsx (results, contributions, notes).",
)
@click.option(
    "--sensitivity",
    "draws",
    type=int,
    default=0,
    help="Monte Carlo draws of ±10 % weight perturbation (0 = off).",
)
@click.option("--top-k", type=int, default=10, help="Top K for the sensitivity summary.")
@with_appcontext
def score_cmd(
    ref: str, applications: str, scores: str | None, bonus: str | None, output: str, draws: int, top_k: int
) -> None:
    """Score a round from files and write the ranked results."""
    cs = _criteria_or_fail(ref)
    try:
        result = score_round(cs, _read(applications), _read(scores), _read(bonus))
    except InputError as exc:
        _fail(
            [
                msg(
                    "%(count)s problem(s) in the input; nothing was written:",
                    count=len(exc.errors) + exc.omitted,
                )
            ]
            + [f"  {format_problem({**p, 'message': localise(p['message'])})}" for p in exc.errors]
            + (["  " + localise(msg("… and %(count)s more", count=exc.omitted))] if exc.omitted else [])
        )
    sheets = {
        "results": result.table(),
        "contributions": result.contributions().set_index(["application_id", "indicator_id"]),
    }
    notes = [*result.notes]
    if draws:
        sens = weight_sensitivity(result, draws=draws, top_k=top_k)
        sheets["sensitivity"] = sens.table
        notes.append(
            localise(
                msg(
                    "sensitivity: %(draws)s draws, ±10 %% weights, top %(top_k)s, seed 0",
                    draws=draws,
                    top_k=top_k,
                )
            )
        )
    sheets["notes"] = pd.DataFrame({"note": notes or ["—"]})
    try:
        written = write_tables(output, sheets)
    except TableError as exc:
        _fail([str(exc)])
    except OSError as exc:
        _fail(
            [msg("%(file)s: cannot be written (%(problem)s)", file=output, problem=str(exc.strerror or exc))]
        )
    ranked = int((result.rank > 0).sum())
    click.echo(
        localise(
            msg(
                "%(id)s: %(applications)s applications, %(ranked)s ranked, %(vetoed)s vetoed, %(incomplete)s "
                "incomplete → %(files)s",
                id=cs.id,
                applications=len(result.ids),
                ranked=ranked,
                vetoed=int(result.vetoed.sum()),
                incomplete=int((~result.complete).sum()),
                files=", ".join(str(p) for p in written),
            )
        )
    )
    for note in result.notes:
        click.echo(localise(msg("note: %(note)s", note=note)))


@demo_cli.command("score")
@click.option("--applicants", default=30, show_default=True, help="Applicants per zone type.")
@click.option("--top", default=10, show_default=True, help="Rows to print per zone type.")
@click.option("--seed", default=2026, show_default=True, help="Seed of the demo data.")
def demo_score_cmd(applicants: int, top: int, seed: int) -> None:
    """Score the bundled demo round for all three zone types and print the rankings."""
    from evaluator.demo.report import print_demo

    try:
        sets = list_criteria(_folder())
    except CriteriaError as exc:
        _fail([_problem_count(exc), *_problem_lines(exc)])
    print_demo(sets, applicants=applicants, top=top, seed=seed, echo=click.echo)


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    from evaluator.demo import commands as demo
    from evaluator.features import command_modules

    app.cli.add_command(criteria_cli)
    demo_cli.add_command(demo.load_cmd)
    app.cli.add_command(demo_cli)
    app.cli.add_command(score_cmd)
    for module in (*command_modules(), demo):
        for command in module.cli.commands.values():
            app.cli.add_command(command)
