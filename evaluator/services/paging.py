"""Counting and slicing the rows of a list query: one way for the API's lists and the pages' tables."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from evaluator.extensions import db


def count_rows(query: Select) -> int:
    """How many rows a query yields (its ordering dropped: it does not change the count)."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
