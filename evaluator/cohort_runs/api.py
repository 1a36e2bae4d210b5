"""Cohorts: form a round's cohorts with the engine, read the newest run, an application's place and
peers, and move an application to another cohort."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from evaluator.accounts.policy import authorize
from evaluator.applications.models import Application
from evaluator.cohort_runs import peers as cohort_peers
from evaluator.cohort_runs import service
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.validation import UtcDateTime
from evaluator.web.api import etag_header, get_or_404, guard, if_match
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint(
    "cohorts",
    __name__,
    description="Cohorts: comparable groups of a round's applications, each application's place and peers.",
)


class CohortRunArgsSchema(Schema):
    """Forming the cohorts: the settings (docs/cohorts.md), or none for the round's own."""

    settings = fields.Dict(
        load_default=None,
        metadata={
            "description": "Cohort settings (features, method, k, min_cohort_size, seed, …); "
            "absent: the settings of the round's newest run, else the zone type's defaults"
        },
    )
    replace_moves = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Form the cohorts anew although the newest run carries the office's moves "
            "(they do not carry over); without it such a run is refused (422 at this field)"
        },
    )


class CohortSchema(Schema):
    """A cohort of the run."""

    number = fields.Integer(metadata={"description": "1-based, ascending by the centre's order_by features"})
    size = fields.Integer(metadata={"description": "Members placed there by the clustering"})
    members_now = fields.Integer(metadata={"description": "Members after the office's moves"})
    profile_zh = fields.String()
    profile_en = fields.String()
    centre = fields.Dict(
        metadata={"description": "Per feature its centre in the figure's own units; per category its shares"}
    )
    ranges = fields.Dict(metadata={"description": "Per numeric feature the members' interquartile range"})
    stability = fields.Float(allow_none=True)
    unstable = fields.Integer()


class CohortMemberSchema(Schema):
    """An application's place in the run."""

    application_id = fields.Integer()
    organisation = fields.String()
    cohort = fields.Integer(allow_none=True, metadata={"description": "Now, after the office's moves"})
    placed_in = fields.Integer(allow_none=True, metadata={"description": "Where the clustering placed it"})
    moved = fields.Boolean()
    distance = fields.Float(allow_none=True)
    next_cohort = fields.Integer(allow_none=True)
    next_distance = fields.Float(allow_none=True)
    reasons = fields.List(
        fields.String(), metadata={"description": "Features that hold it there, strongest first"}
    )
    contributions = fields.Dict()
    missing = fields.List(fields.String())
    imputed = fields.Boolean()
    stability = fields.Float(allow_none=True)
    unstable = fields.Boolean()
    values = fields.Dict(metadata={"description": "Each feature in its own units (None: missing)"})
    etag = fields.String(metadata={"description": "The membership's ETag, for If-Match on a move"})


class CohortRunSchema(Schema):
    """The round's newest cohort run."""

    id = fields.Integer()
    round_id = fields.Integer()
    engine_version = fields.String()
    data_hash = fields.String(metadata={"description": "SHA-256 of the figures the run read"})
    settings_sha256 = fields.String()
    settings = fields.Dict()
    quality = fields.Dict(
        metadata={"description": "silhouette, davies_bouldin, calinski_harabasz, candidates, …"}
    )
    features = fields.List(fields.Dict())
    k = fields.Integer()
    applications = fields.Integer()
    created_at = UtcDateTime()
    cohorts = fields.List(fields.Nested(CohortSchema))
    members = fields.List(fields.Nested(CohortMemberSchema))


class CohortMoveSchema(service.MoveInput):
    """Moving an application to another cohort of the newest run, with a reason."""


class CohortPeersArgsSchema(Schema):
    """How many peers to list."""

    count = fields.Integer(load_default=cohort_peers.DEFAULT_PEERS, validate=validate.Range(min=1, max=100))


class CohortPeerSchema(Schema):
    """A peer, as the caller may see it."""

    rank = fields.Integer(metadata={"description": "1 = the most similar"})
    application_id = fields.Integer(allow_none=True, metadata={"description": "The office only"})
    organisation = fields.String(
        allow_none=True, metadata={"description": "Not in a blind round, for the applicant"}
    )
    city = fields.String(allow_none=True)
    county = fields.String(allow_none=True)
    distance = fields.Float()
    cohort = fields.Integer(allow_none=True)
    values = fields.Dict()
    total = fields.Float(allow_none=True, metadata={"description": "The office only"})


class CohortPeersSchema(Schema):
    """An application's nearest peers, its rank among them and what the similarity rests on."""

    application_id = fields.Integer()
    run_id = fields.Integer()
    cohort = fields.Integer(allow_none=True)
    profile = fields.String(allow_none=True)
    profile_en = fields.String(allow_none=True)
    values = fields.Dict()
    scaling = fields.String(allow_none=True)
    features = fields.List(fields.Dict(), metadata={"description": "key, labels, unit, kind, weight, log"})
    names_shown = fields.Boolean()
    figures_rounded = fields.Boolean(
        metadata={"description": "The peers' figures rounded to two significant figures (a blind round)"}
    )
    rank = fields.Integer(
        allow_none=True, metadata={"description": "By total among itself and its scored peers"}
    )
    group = fields.Integer(allow_none=True)
    total = fields.Float(allow_none=True)
    peers = fields.List(fields.Nested(CohortPeerSchema))


def member_json(member, names: dict[int, str]) -> dict:
    """A membership as the API gives it."""
    return {
        "application_id": member.application_id,
        "organisation": names.get(member.application_id, ""),
        "cohort": member.current,
        "placed_in": member.cohort,
        "moved": member.moved_to is not None,
        "distance": member.distance,
        "next_cohort": member.next_cohort,
        "next_distance": member.next_distance,
        "reasons": member.reasons,
        "contributions": member.contributions,
        "missing": member.missing,
        "imputed": member.imputed,
        "stability": member.stability,
        "unstable": member.unstable,
        "values": member.values,
        "etag": etag_header(member)["ETag"],
    }


def run_json(found) -> dict:
    """A run with its cohorts and members."""
    members = service.members_of(found)
    names = service.organisation_names(found)
    now: dict[int, int] = {}
    for m in members:
        if m.current is not None:
            now[m.current] = now.get(m.current, 0) + 1
    cohorts = [
        {
            "number": c.number,
            "size": c.size,
            "members_now": now.get(c.number, 0),
            "profile_zh": c.profile_zh,
            "profile_en": c.profile_en,
            "centre": c.centre,
            "ranges": c.ranges,
            "stability": c.stability,
            "unstable": c.unstable,
        }
        for c in service.cohorts_of(found)
    ]
    fields_ = ("id", "round_id", "engine_version", "data_hash", "settings_sha256", "settings", "quality")
    return {
        **{k: getattr(found, k) for k in fields_},
        "features": found.features,
        "k": found.k,
        "applications": found.applications,
        "created_at": found.created_at,
        "cohorts": cohorts,
        "members": [member_json(m, names) for m in members],
    }


@blp.route("/rounds/<int:round_id>/cohorts", methods=["POST"])
@guard("cohorts.run")
@blp.arguments(CohortRunArgsSchema)
@blp.response(201, CohortRunSchema)
def post_cohorts(args, round_id: int):
    """Form the round's cohorts with the engine and store the run (admin; review or scoring_closed)."""
    actor = authorize(signed_in_user(), "cohorts.run")
    found = service.run(
        actor, get_or_404(Round, round_id, "round"), args["settings"], replace_moves=args["replace_moves"]
    )
    return run_json(found)


@blp.route("/rounds/<int:round_id>/cohorts", methods=["GET"])
@guard("cohorts.view")
@blp.response(200, CohortRunSchema)
def get_cohorts(round_id: int):
    """The round's newest run: cohorts with profiles, sizes, centres, quality; every member (admin)."""
    authorize(signed_in_user(), "cohorts.view")
    return run_json(service.latest_or_404(get_or_404(Round, round_id, "round")))


def _membership(application_id: int):
    app = get_or_404(Application, application_id, "application")
    found = service.latest_or_404(db.session.get(Round, app.round_id))
    member = service.member_of(found, app.id)
    if member is None:
        raise ServiceError(404, msg("Application %(id)s is not in the round's cohorts.", id=app.id))
    return app, found, member


@blp.route("/applications/<int:application_id>/cohort", methods=["GET"])
@guard("cohorts.view")
@blp.response(200, CohortMemberSchema)
def get_membership(application_id: int):
    """The application's place in its round's newest run, with its ETag (admin)."""
    authorize(signed_in_user(), "cohorts.view")
    _, found, member = _membership(application_id)
    return member_json(member, service.organisation_names(found)), 200, etag_header(member)


@blp.route("/applications/<int:application_id>/cohort", methods=["POST"])
@guard("cohorts.move")
@blp.arguments(CohortMoveSchema)
@blp.response(200, CohortMemberSchema)
def move_membership(data, application_id: int):
    """Move the application to another cohort of the newest run, with a reason (admin; If-Match
    with the membership's ETag, or ``run_id``, refuses a stale move)."""
    actor = authorize(signed_in_user(), "cohorts.move")
    app = get_or_404(Application, application_id, "application")
    member = service.move(actor, app, data, if_match())
    found = service.latest(app.round_id)
    db.session.flush()
    return member_json(member, service.organisation_names(found)), 200, etag_header(member)


@blp.route("/applications/<int:application_id>/peers", methods=["GET"])
@guard("cohorts.peers", Application)
@blp.arguments(CohortPeersArgsSchema, location="query")
@blp.response(200, CohortPeersSchema)
def get_peers(args, application_id: int):
    """The application's nearest peers in its round's newest run, its rank among them, the features
    and weights (the office; its applicant, as the round's rules let it see them)."""
    user = signed_in_user()
    app = db.session.get(Application, application_id)
    return cohort_peers.peers_of(app, user, args["count"])
