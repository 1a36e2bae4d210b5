"""Reviewer assignment for expert review: the pure core (numpy and OR-Tools; no Flask, no database).

Every application gets ``per_application`` (R) reviewers, no reviewer more than the cap, and no
pair that breaks a conflict rule (same county or city, shared affiliation, declared conflict).
Within that, the panels cover the criteria's level-1 sections with experts as well as the roster
allows, and loads are kept even. See docs/assignment.md for the API.

The formulation, and why
------------------------
Hard constraints are a transportation problem: source → application (capacity R) → reviewer
(one arc per allowed pair, capacity 1) → sink (capacity = cap). A *maximum flow* in it is exactly
the largest number of (application, reviewer) slots any valid assignment can fill, so solving it
exactly — OR-Tools ``SimpleMinCostFlow.solve_max_flow_with_min_cost`` — is what guarantees that no
application a valid assignment could cover is stranded (a greedy loop can paint itself into a corner).
Load balance is a convex cost on the reviewer → sink arcs (free up to the even share, then one arc
per further unit at a rising cost), so the flow spreads load as evenly as the conflicts allow.

Coverage ("at least one expert of every section on each panel") is not a flow objective: the value
of a panel is the *union* of its members' sections, which no sum of per-pair costs expresses. An
exact ILP (CP-SAT or HiGHS) would need one variable per allowed pair — about 1.5 million for 5,000
applications × 300 reviewers — and does not fit the 10-second budget. So coverage is handled in
three steps around the exact flow:

1. A **plan**: two greedy passes (the applications in input order, and most-constrained first in a
   seeded order), each reviewer chosen for the most new sections, then the lowest load. The better
   plan (more complete panels, then more covered sections, then even loads) is kept.
2. The **flow** with costs that make planned pairs far cheaper than any other (then reviewers with
   more expertise, then a seeded jitter that breaks ties). If the plan is complete the flow returns
   it unchanged; where the plan stranded applications, the flow reroutes the fewest pairs needed
   to give every coverable application its R reviewers. It is always a maximum flow.
3. **Exact improving steps**: for a panel missing a section it could have, a *move* (replace a
   member by an expert below the cap) or a *swap* (exchange members with another panel, loads
   unchanged) that strictly raises the number of covered (application, section) pairs, each step
   checked against the conflicts, the cap and duplicate members. Bounded by a pass count, not a
   clock, so results do not depend on the machine.

Every step keeps the assignment valid, so the result always is: conflicts never violated, exactly R
distinct reviewers for every covered application, loads within the cap. Coverage is a local optimum,
not a proven optimum; it is reported per application and overall, and is never below the plan's
when the plan was complete.

When the maximum flow falls short of R × applications, the applications with fewer than R flow
units are dropped (their units released) and then re-added one by one by augmenting paths
(``flow.add_application``) while that is possible, so every application left uncovered is one that
cannot be added to the covered ones. Each gets a reason: too few reviewers without a conflict (with
how many each rule excluded), the roster's total capacity, or its candidates being needed at their
cap by the others. Finding the largest *set* of applications that can be covered together is
NP-hard in general (it contains set packing), so the covered set is maximal (no uncovered application
can join it), not guaranteed maximum; the number uncovered is at least
ceil((R × applications − maximum flow) / R), and 0 whenever the maximum flow is R × applications.

Ties are broken by a seeded generator (``seed``): the same seed gives the same result.
"""

from .conflicts import ConflictMatrices, conflict_matrices, region_key, validate_assignment
from .problem import Assignment, AssignmentProblem, ConflictRules, ProblemError, Uncovered
from .solver import assign

__all__ = [
    "Assignment",
    "AssignmentProblem",
    "ConflictMatrices",
    "ConflictRules",
    "ProblemError",
    "Uncovered",
    "assign",
    "conflict_matrices",
    "region_key",
    "validate_assignment",
]
