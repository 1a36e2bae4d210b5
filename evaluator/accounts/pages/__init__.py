"""The accounts' pages: sign-in, password and language for everybody; users and organisations for
the office."""

from evaluator.accounts.pages import (  # noqa: F401 (register the views)
    account,
    office,
)
