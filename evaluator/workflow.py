"""The procedure's vocabulary and rules: zone types, organisation kinds, round phases, application
statuses, roles and region offices with their acts, assignments, reviews and results, the labels of
each, and the one table of moves between application statuses.

Pure data: no Flask, no database. ``applications/transitions.py`` carries a move out (locks, checks, audit).
The database enforces the same vocabularies with CHECK constraints (migrations 0002, 0004, 0005, 0006
and 0007).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from evaluator.messages import N_


class ZoneType(StrEnum):
    """The three kinds of pilot unit a round recognises."""

    COMMUNITY_GOVERNANCE_ZONE = "community_governance_zone"
    SUBDISTRICT_SERVICE_ZONE = "subdistrict_service_zone"
    FEATURED_COMMUNITY = "featured_community"


class OrgKind(StrEnum):
    """The level of an applicant organisation in the administrative hierarchy."""

    COUNTY = "county"
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"


class Phase(StrEnum):
    """A round's phases, in the order a round goes through them."""

    DRAFT = "draft"
    OPEN = "open"
    REVIEW = "review"
    SCORING_CLOSED = "scoring_closed"
    NOTICE = "notice"
    FINAL = "final"


class Status(StrEnum):
    """An application's statuses."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ENDORSED = "endorsed"  # the county office checked it and passed it to its city
    RECOMMENDED = "recommended"  # the city office recommended it to the province, within its quota
    DECLINED = "declined"  # the county or city office did not pass it on (with a reason)
    # Left at a region step (submitted, endorsed, or returned and not submitted again) when the
    # round entered review: final, like declined, but no office decided it one by one.
    NOT_RECOMMENDED = "not_recommended"
    UNDER_REVIEW = "under_review"
    SCORED = "scored"
    SHORTLISTED = "shortlisted"
    NOT_SHORTLISTED = "not_shortlisted"
    RECOGNISED = "recognised"
    REJECTED = "rejected"


REVIEWED_STATUSES = (
    Status.UNDER_REVIEW,
    Status.SCORED,
    Status.SHORTLISTED,
    Status.NOT_SHORTLISTED,
    Status.RECOGNISED,
    Status.REJECTED,
)
"""The statuses of an application that reached the provincial review: in review and later, past the
region steps. A round's results cover these."""


ZONE_NAMES = {
    ZoneType.COMMUNITY_GOVERNANCE_ZONE: "社区治理服务创新实验区",
    ZoneType.SUBDISTRICT_SERVICE_ZONE: "街道服务管理创新实验区",
    ZoneType.FEATURED_COMMUNITY: "特色社区",
}
ZONE_KIND = {
    ZoneType.COMMUNITY_GOVERNANCE_ZONE: OrgKind.COUNTY,
    ZoneType.SUBDISTRICT_SERVICE_ZONE: OrgKind.SUBDISTRICT,
    ZoneType.FEATURED_COMMUNITY: OrgKind.COMMUNITY,
}
"""Which kind of organisation applies in a round of each zone type."""
KIND_NAMES = {
    OrgKind.COUNTY: "县（市、区）",
    OrgKind.SUBDISTRICT: "街道（乡镇）",
    OrgKind.COMMUNITY: "社区（村）",
}


# What people read for each value (English; the catalogs translate them).
ZONE_LABELS = {
    ZoneType.COMMUNITY_GOVERNANCE_ZONE: N_("Community governance innovation zone"),
    ZoneType.SUBDISTRICT_SERVICE_ZONE: N_("Subdistrict service innovation zone"),
    ZoneType.FEATURED_COMMUNITY: N_("Featured community"),
}
KIND_LABELS = {
    OrgKind.COUNTY: N_("County or district"),
    OrgKind.SUBDISTRICT: N_("Subdistrict or township"),
    OrgKind.COMMUNITY: N_("Community or village"),
}
PHASE_LABELS = {
    Phase.DRAFT: N_("In preparation"),
    Phase.OPEN: N_("Open for applications"),
    Phase.REVIEW: N_("Expert review"),
    Phase.SCORING_CLOSED: N_("Scoring closed"),
    Phase.NOTICE: N_("Public notice"),
    Phase.FINAL: N_("Final"),
}
STATUS_LABELS = {
    Status.DRAFT: N_("Draft"),
    Status.SUBMITTED: N_("Submitted"),
    Status.WITHDRAWN: N_("Withdrawn"),
    Status.ENDORSED: N_("Endorsed by the county"),
    Status.RECOMMENDED: N_("Recommended by the city"),
    Status.DECLINED: N_("Declined"),
    Status.NOT_RECOMMENDED: N_("Not recommended"),
    Status.UNDER_REVIEW: N_("Under review"),
    Status.SCORED: N_("Scored"),
    Status.SHORTLISTED: N_("Shortlisted"),
    Status.NOT_SHORTLISTED: N_("Not shortlisted"),
    Status.RECOGNISED: N_("Recognised"),
    Status.REJECTED: N_("Rejected"),
}


class Role(StrEnum):
    """Who an account is: the provincial office, an expert, an applicant, or a region office."""

    ADMIN = "admin"
    REVIEWER = "reviewer"
    APPLICANT = "applicant"
    COUNTY_OFFICE = "county_office"  # 区县民政局: scoped to one county code (home_region_code)
    CITY_OFFICE = "city_office"  # 市州民政局: scoped to one city code (xxxx00)


class RegionLevel(StrEnum):
    """The level of a region office: a county (its county code) or a city (its city code, xxxx00)."""

    COUNTY = "county"
    CITY = "city"


class RegionAct(StrEnum):
    """What a region office did with an application (one ``RegionCheck`` row per act)."""

    ENDORSE = "endorse"  # the county passes it on to its city
    RETURN = "return"  # back to the applicant as a draft, with a reason
    DECLINE = "decline"  # not passed on, with a reason
    CHECK = "check"  # the city's check: passed or not, with a note
    RECOMMEND = "recommend"  # the city recommends it to the province, within its quota
    UNRECOMMEND = "unrecommend"  # the city takes it off its ranking


RETURNED = "returned"
"""Not a status: how the region offices' queues show a draft an office returned to its applicant,
until the applicant submits it again (a filter of the queue beside the statuses)."""
RETURNED_LABEL = N_("Returned")


class Stage(StrEnum):
    """The stages an application passes on its way, as its applicant follows them: 区县 → 市州 → 省 →
    公示 → 认定."""

    COUNTY = "county"  # the county office's check and endorsement
    CITY = "city"  # the city office's check and recommendation
    PROVINCE = "province"  # the provincial expert review
    NOTICE = "notice"  # the public notice of the shortlist
    RECOGNITION = "recognition"  # the recognition as a pilot unit


class StageState(StrEnum):
    """Where an application is with respect to one stage."""

    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"
    SKIPPED = "skipped"  # the round or the kind of applicant has no such step
    STOPPED = "stopped"  # the application went no further than this stage


STAGE_LABELS = {
    Stage.COUNTY: N_("County check"),
    Stage.CITY: N_("City recommendation"),
    Stage.PROVINCE: N_("Provincial review"),
    Stage.NOTICE: N_("Public notice"),
    Stage.RECOGNITION: N_("Recognition"),
}
STAGE_STATE_LABELS = {
    StageState.DONE: N_("Done"),
    StageState.CURRENT: N_("In progress"),
    StageState.UPCOMING: N_("Not yet"),
    StageState.SKIPPED: N_("Not needed"),
    StageState.STOPPED: N_("Stopped here"),
}

REGION_ROLES = {Role.COUNTY_OFFICE: RegionLevel.COUNTY, Role.CITY_OFFICE: RegionLevel.CITY}
"""The region offices and the level of the region code each is scoped to."""

ROLE_LABELS = {
    Role.ADMIN: N_("Provincial office"),
    Role.REVIEWER: N_("Expert reviewer"),
    Role.APPLICANT: N_("Applicant"),
    Role.COUNTY_OFFICE: N_("County civil-affairs office"),
    Role.CITY_OFFICE: N_("City civil-affairs office"),
}
REGION_LEVEL_LABELS = {RegionLevel.COUNTY: N_("county"), RegionLevel.CITY: N_("city")}
REGION_ACT_LABELS = {
    RegionAct.ENDORSE: N_("Endorsed"),
    RegionAct.RETURN: N_("Returned for correction"),
    RegionAct.DECLINE: N_("Declined"),
    RegionAct.CHECK: N_("Checked"),
    RegionAct.RECOMMEND: N_("Recommended"),
    RegionAct.UNRECOMMEND: N_("Taken off the ranking"),
}


class AssignmentKind(StrEnum):
    """What an assignment asks of its reviewer: the materials review or the on-site inspection."""

    MATERIALS = "materials"
    ON_SITE = "on_site"  # 现场查看: the indicators checked on site, by an inspection group


class AssignmentStatus(StrEnum):
    """An assignment's statuses: active, recused by the reviewer, or removed by the office."""

    ACTIVE = "active"
    RECUSED = "recused"
    REMOVED = "removed"


class AssignmentSource(StrEnum):
    """How a reviewer came onto a panel: the office's automatic assignment (or a replacement it
    found), or the office's choice by hand."""

    AUTO = "auto"
    MANUAL = "manual"


class ConflictSide(StrEnum):
    """Who declared a conflict of interest: a reviewer, against an organisation (named as they know
    it, never by an application), or an applicant, against a reviewer of the round's roster."""

    REVIEWER = "reviewer"
    APPLICANT = "applicant"


class ConflictStatus(StrEnum):
    """A declared conflict binds the assignment only once the office accepts it; until then it is
    pending, and the office may refuse it (each decision with a reason)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class ReviewStatus(StrEnum):
    """A review is a draft until its reviewer submits it."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class ResultStatus(StrEnum):
    """An application's line in a round's results: ranked, vetoed, or incomplete (too few reviews)."""

    RANKED = "ranked"
    VETOED = "vetoed"
    INCOMPLETE = "incomplete"


ASSIGNMENT_KIND_LABELS = {
    AssignmentKind.MATERIALS: N_("Materials review"),
    AssignmentKind.ON_SITE: N_("On-site inspection"),
}
ASSIGNMENT_STATUS_LABELS = {
    AssignmentStatus.ACTIVE: N_("Active"),
    AssignmentStatus.RECUSED: N_("Recused"),
    AssignmentStatus.REMOVED: N_("Removed"),
}
ASSIGNMENT_SOURCE_LABELS = {AssignmentSource.AUTO: N_("Automatic"), AssignmentSource.MANUAL: N_("Manual")}
CONFLICT_SIDE_LABELS = {
    ConflictSide.REVIEWER: N_("Declared by the reviewer"),
    ConflictSide.APPLICANT: N_("Declared by the applicant"),
}
CONFLICT_STATUS_LABELS = {
    ConflictStatus.PENDING: N_("Awaiting the office's decision"),
    ConflictStatus.ACCEPTED: N_("Accepted"),
    ConflictStatus.REFUSED: N_("Refused"),
}
REVIEW_STATUS_LABELS = {ReviewStatus.DRAFT: N_("Draft"), ReviewStatus.SUBMITTED: N_("Submitted")}
RESULT_STATUS_LABELS = {
    ResultStatus.RANKED: N_("Ranked"),
    ResultStatus.VETOED: N_("Vetoed"),
    ResultStatus.INCOMPLETE: N_("Incomplete"),
}


class ListKind(StrEnum):
    """What a published list is: the shortlist put on public notice (公示名单), or the list of the
    units recognised once the notice is over (认定名单)."""

    SHORTLIST = "shortlist"
    RECOGNITION = "recognition"


class ListState(StrEnum):
    """A list is a draft the office adjusts until it publishes it; published, it never changes (a
    correction is a new version that supersedes it)."""

    DRAFT = "draft"
    PUBLISHED = "published"


class NoticeRule(StrEnum):
    """How the notice period is counted: calendar days, or working days (China's public holidays and
    adjusted working days)."""

    CALENDAR = "calendar"
    WORKING = "working"


class EntryReason(StrEnum):
    """Why an application is on a list or not (one per entry; its sentence gives the figures)."""

    SELECTED = "selected"  # within its cohort's quota, its city's quota and the overall cap
    COHORT_FULL = "cohort_full"  # its cohort's quota was filled by better-placed applications
    CITY_FULL = "city_full"  # its city's quota was filled
    CAP_REACHED = "cap_reached"  # the overall cap was reached
    VETOED = "vetoed"
    INCOMPLETE = "incomplete"  # too few reviews
    BELOW_PASS = "below_pass"  # its grade is not one the criteria recognise
    ADDED = "added"  # put on the list by the office, with a reason
    TAKEN_OFF = "taken_off"  # taken off the list by the office, with a reason
    REMOVED = "removed"  # removed after an upheld objection
    WITHHELD = "withheld"  # withheld for a re-review after an upheld objection


class ObjectionState(StrEnum):
    """An objection is received, then upheld or dismissed by the office (with a reason)."""

    RECEIVED = "received"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Remedy(StrEnum):
    """What an upheld objection does to the application it is about."""

    REMOVE = "remove"
    RE_REVIEW = "re_review"


LIST_KIND_LABELS = {ListKind.SHORTLIST: N_("Shortlist"), ListKind.RECOGNITION: N_("Recognition list")}
LIST_STATE_LABELS = {ListState.DRAFT: N_("Draft"), ListState.PUBLISHED: N_("Published and frozen")}
NOTICE_RULE_LABELS = {NoticeRule.CALENDAR: N_("Calendar days"), NoticeRule.WORKING: N_("Working days")}
OBJECTION_STATE_LABELS = {
    ObjectionState.RECEIVED: N_("Received, awaiting the office's decision"),
    ObjectionState.UPHELD: N_("Upheld"),
    ObjectionState.DISMISSED: N_("Dismissed"),
}
REMEDY_LABELS = {
    Remedy.REMOVE: N_("Removed from the list"),
    Remedy.RE_REVIEW: N_("Withheld for a re-review"),
}
REVIEW_PHASES = (Phase.REVIEW,)
"""Scores, recusals and assignment changes happen only while the round is in review."""


def kind_for_zone(zone_type: str) -> OrgKind:
    """The kind of organisation that applies in a round of this zone type."""
    return ZONE_KIND[ZoneType(zone_type)]


# ----------------------------------------------------------------------------------------- rounds

PHASE_ORDER = tuple(Phase)
PHASE_GATES = {Phase.REVIEW: "submission_deadline", Phase.SCORING_CLOSED: "review_deadline"}
"""The deadline that must have passed before a round may enter a phase."""
PHASE_ACTS = {Phase.NOTICE: "shortlist.published", Phase.FINAL: "recognition.published"}
"""Phases a round enters only through an act of the office, never by a bare move: the public notice
by publishing its shortlist, the final phase by publishing its recognition list."""


def next_phase(phase: str) -> Phase | None:
    """The phase after this one, or None for the last."""
    k = PHASE_ORDER.index(Phase(phase))
    return PHASE_ORDER[k + 1] if k + 1 < len(PHASE_ORDER) else None


# ----------------------------------------------------------------------------------- applications


@dataclass(frozen=True)
class Move:
    """One action on an application: the statuses it starts from, where it leads, and when."""

    action: str
    done: str  # the past participle, for messages and the audit event ("application.<done>")
    sources: tuple[Status | None, ...]  # None: the application does not exist yet
    target: Status
    phases: tuple[Phase, ...]  # the round's phases in which the action is allowed
    before_deadline: bool  # whether the round's submission deadline must not have passed
    complete: bool  # whether every required figure must be present


MOVES = {
    m.action: m
    for m in (
        Move("create", "created", (None,), Status.DRAFT, (Phase.OPEN,), True, False),
        Move("submit", "submitted", (Status.DRAFT,), Status.SUBMITTED, (Phase.OPEN,), True, True),
        Move("import", "imported", (None,), Status.SUBMITTED, (Phase.OPEN,), False, True),
        Move("withdraw", "withdrawn", (Status.SUBMITTED,), Status.WITHDRAWN, (Phase.OPEN,), False, False),
        # 县级申报、市级把关: the region offices' acts, while the round is open (before or after the
        # deadline). ``return`` sends it back to the applicant as a draft, with the office's reason.
        Move("endorse", "endorsed", (Status.SUBMITTED,), Status.ENDORSED, (Phase.OPEN,), False, False),
        Move(
            "return",
            "returned",
            (Status.SUBMITTED, Status.ENDORSED),
            Status.DRAFT,
            (Phase.OPEN,),
            False,
            False,
        ),
        Move(
            "decline",
            "declined",
            (Status.SUBMITTED, Status.ENDORSED),
            Status.DECLINED,
            (Phase.OPEN,),
            False,
            False,
        ),
        Move(
            "recommend",
            "recommended",
            (Status.SUBMITTED, Status.ENDORSED),
            Status.RECOMMENDED,
            (Phase.OPEN,),
            False,
            False,
        ),
        Move(
            "unrecommend",
            "unrecommended",
            (Status.RECOMMENDED,),
            Status.ENDORSED,
            (Phase.OPEN,),
            False,
            False,
        ),
        # Entering the review phase moves every application the round's steps let through, and
        # closes the vetting of every other one still at a region step: submitted, endorsed, or a
        # draft an office returned (``vetting.quota.enter_review`` tells those drafts apart).
        Move(
            "not_recommend",
            "not recommended",
            (Status.DRAFT, Status.SUBMITTED, Status.ENDORSED),
            Status.NOT_RECOMMENDED,
            (Phase.OPEN,),
            False,
            False,
        ),
        Move(
            "enter_review",
            "entered into review",
            (Status.SUBMITTED, Status.ENDORSED, Status.RECOMMENDED),
            Status.UNDER_REVIEW,
            (Phase.OPEN,),
            False,
            False,
        ),
        # The public notice and the recognition (shortlists.service): publishing a shortlist moves
        # every reviewed application on or off it, a correction moves those it changes, and the
        # recognition moves the shortlisted to recognised and the others to rejected.
        Move(
            "shortlist",
            "shortlisted",
            (Status.UNDER_REVIEW, Status.SCORED, Status.NOT_SHORTLISTED),
            Status.SHORTLISTED,
            (Phase.SCORING_CLOSED, Phase.NOTICE),
            False,
            False,
        ),
        Move(
            "not_shortlist",
            "not shortlisted",
            (Status.UNDER_REVIEW, Status.SCORED, Status.SHORTLISTED),
            Status.NOT_SHORTLISTED,
            (Phase.SCORING_CLOSED, Phase.NOTICE),
            False,
            False,
        ),
        Move(
            "recognise", "recognised", (Status.SHORTLISTED,), Status.RECOGNISED, (Phase.NOTICE,), False, False
        ),
        Move("reject", "rejected", (Status.NOT_SHORTLISTED,), Status.REJECTED, (Phase.NOTICE,), False, False),
    )
}
"""Every status change of an application. Edits (figures, materials) are allowed in ``EDITABLE``."""

EDITABLE = Move("edit", "edited", (Status.DRAFT,), Status.DRAFT, (Phase.OPEN,), True, False)
"""When an application's figures, self-assessment and materials may change."""
