"""The rounds' API: the bundled criteria sets and the rounds built from them."""

from evaluator.rounds.api import criteria, rounds

MODULES = (criteria, rounds)
