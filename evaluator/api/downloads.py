"""The ``Content-Disposition`` header of every download: it lives in ``evaluator.web.downloads`` (the
pages use it too); this name is kept for the API's modules and their tests."""

from __future__ import annotations

from evaluator.web.downloads import ascii_fallback, content_disposition

__all__ = ["ascii_fallback", "content_disposition"]
