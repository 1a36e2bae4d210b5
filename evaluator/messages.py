"""Messages for people, written once in English and shown in the reader's language.

``msg("No round %(id)s.", id=7)`` is a ``str`` (the English text, so logs, tests and string
operations see plain text) that also remembers its template and values. Where a message leaves the
service — the API's error envelope, a page, a command's output — ``evaluator.i18n.localise`` looks
the template up in the catalog of the reader's language and fills in the values there.

Pure: no Flask, no Babel; the criteria and scoring cores use it too. Templates are extracted into the
catalogs by ``pybabel extract`` (keyword ``msg``, see babel.cfg).
"""

from __future__ import annotations

from typing import Any


class Message(str):
    """An English message that keeps its template and values for translation."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        """The message ``template % params`` (``%(name)s`` placeholders)."""
        text = template % {k: _english(v) for k, v in params.items()} if params else template
        self = super().__new__(cls, text)
        self.template = template
        self.params = params
        return self

    def __reduce__(self):
        """Pickle as a Message again (worker processes, caches)."""
        return (_rebuild, (self.template, self.params))


def _english(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return value


def _rebuild(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)


def msg(template: str, **params: Any) -> Message:
    """A translatable message: ``template`` with ``%(name)s`` placeholders filled from ``params``.

    A value may itself be a message (translated with it) or a list of values (joined with the
    language's list separator).
    """
    return Message(template, **params)


def N_(template: str) -> str:  # noqa: N802 (the customary name of the no-op marker)
    """Mark a constant string for the catalog without wrapping it (translated where it is shown)."""
    return template
