"""The shortlists' pages: the office's (draft, adjust, publish, versions, objections, recognition)
and the public's (the published lists, the objection form, an objection's state)."""

from evaluator.shortlists.pages import objections, office, public  # noqa: F401 (their views register)
