"""Counting and slicing the rows of a list query: one way for the API's lists and the pages' tables."""

from __future__ import annotations

import math

from sqlalchemy import Select, func, literal, select

from evaluator.extensions import db


def count_rows(query: Select) -> int:
    """How many rows a query yields. Its ordering is dropped and it selects a constant instead of its
    columns (the same rows, and the database need not read them); a query with DISTINCT or GROUP
    BY is counted as it is."""
    if query._distinct or query._group_by_clauses:
        inner = query.order_by(None)
    else:
        inner = query.with_only_columns(literal(1), maintain_column_froms=True).order_by(None)
    return db.session.scalar(select(func.count()).select_from(inner.subquery()))


def page_rows(query: Select, page: int, size: int, *, rows: bool = False) -> tuple[list, int, int]:
    """One page of a table's query: (its rows, how many rows there are in all, the page shown — the
    last one for a page beyond it). The rows are the query's first entity, or whole result rows
    with ``rows``. Two statements: the count and the page."""
    total = count_rows(query)
    page = min(page, max(1, math.ceil(total / size)))
    window = query.offset((page - 1) * size).limit(size)
    return (db.session.execute(window).all() if rows else list(db.session.scalars(window))), total, page
