"""The accounts' API: bearer tokens (sign-in) and users and organisations."""

from evaluator.accounts.api import auth, users

MODULES = (auth, users)
