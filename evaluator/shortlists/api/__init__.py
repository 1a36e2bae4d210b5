"""The shortlists' API: the office's drafts, publication, corrections, objections and recognition;
the published lists and objections for everybody."""

from evaluator.shortlists.api import office, public

MODULES = (office, public)
