"""The assignments' API: panels, recusal and expertise; the declared conflicts of interest."""

from evaluator.assignments.api import assignments, conflicts

MODULES = (assignments, conflicts)
