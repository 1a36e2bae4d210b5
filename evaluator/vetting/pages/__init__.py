"""The county and city offices' pages: their queue, the check form, the city's ranking and quota."""

from evaluator.vetting.pages import (  # noqa: F401 (register the views)
    application,
    queue,
    ranking,
)
