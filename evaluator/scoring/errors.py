"""Errors for bad input tables: every problem with its table, row and column."""

from __future__ import annotations

from typing import Any

from evaluator.messages import Message, msg

MAX_REPORTED = 1000


class InputError(ValueError):
    """Input tables that cannot be scored; ``errors`` lists each problem as a dict.

    Each problem has ``table`` and ``message`` and, where they apply, ``row`` (as in a
    spreadsheet whose header is row 1), ``column`` and ``application_id``.
    """

    def __init__(self, errors: list[dict[str, Any]], omitted: int = 0):
        self.errors = errors
        self.omitted = omitted
        lines = [format_problem(e) for e in errors[:20]]
        more = len(errors) - len(lines) + omitted
        tail = f"\n  … and {more} more" if more else ""
        super().__init__(f"{len(errors) + omitted} input problem(s)\n  " + "\n  ".join(lines) + tail)


def format_problem(problem: dict[str, Any]) -> Message:
    """One problem as a line: ``applications, row 4, column households: …``."""
    table = problem.get("table", "input")
    where = []
    if problem.get("row") is not None:
        where.append(msg("row %(row)s", row=problem["row"]))
    if problem.get("column"):
        where.append(msg("column %(column)s", column=problem["column"]))
    if problem.get("application_id"):
        where.append(msg("application %(id)s", id=problem["application_id"]))
    if not where:
        return msg("%(table)s: %(message)s", table=table, message=problem["message"])
    return msg("%(table)s, %(where)s: %(message)s", table=table, where=where, message=problem["message"])


class Problems:
    """Collects the problems of one table, keeping the first ``MAX_REPORTED``."""

    def __init__(self, table: str):
        self.table = table
        self.items: list[dict[str, Any]] = []
        self.omitted = 0

    @property
    def full(self) -> bool:
        """Whether further problems will only be counted."""
        return len(self.items) >= MAX_REPORTED

    def add(self, **problem: Any) -> None:
        """Record a problem (row numbers are already spreadsheet rows)."""
        if len(self.items) >= MAX_REPORTED:
            self.omitted += 1
            return
        self.items.append({"table": self.table, **problem})

    def cell(self, position: int, column: str, message: str, **extra: Any) -> None:
        """Record a problem in the data row at 0-based ``position``."""
        self.add(row=int(position) + 2, column=str(column), message=message, **extra)

    def raise_if_any(self) -> None:
        """Raise :class:`InputError` if anything was recorded."""
        if self.items or self.omitted:
            raise InputError(self.items, self.omitted)
