"""Messages for people, written once in English and shown in the reader's language.

``msg("No round %(id)s.", id=7)`` is a ``str`` (the English text, so logs, tests and string
operations see plain text) that also remembers its template and values. Where a message leaves the
service — the API's error envelope, a page, a command's output — ``evaluator.i18n.localise`` looks
the template up in the catalog of the reader's language and fills in the values there.

Pure: no Flask, no Babel; the criteria and scoring cores use it too. Templates are extracted into the
catalogs by ``pybabel extract`` (keyword ``msg``, see babel.cfg).
"""

from __future__ import annotations

from collections.abc import Mapping
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


class Bilingual(str):
    """A text of the data in Chinese and English, such as a criteria item's name, used as a message's
    value: ``localise`` shows the reader's language. As a plain string it is the English (the
    Chinese when the data has no English)."""

    zh: str
    en: str

    def __new__(cls, zh: str, en: str | None = None) -> Bilingual:
        """The text in both languages (``en`` empty or None: the Chinese serves both)."""
        self = super().__new__(cls, en or zh)
        self.zh, self.en = zh, en or zh
        return self

    def __reduce__(self):
        """Pickle as a Bilingual again."""
        return (Bilingual, (self.zh, self.en))


NAME_ATTRS = ("label", "name", "title", "reason")
"""The attribute that names a criteria item (a field or grade, an indicator or material, a set, a veto)."""


def named(item: Any, attr: str | None = None) -> Bilingual:
    """An item's text (``attr``, by default its name) with its English twin ``<attr>_en``, from an
    object or a mapping; empty when the item has no such text."""
    if isinstance(item, Mapping):
        get = item.get
    else:

        def get(key: str) -> Any:
            return getattr(item, key, None)

    if attr is None:
        attr = next((a for a in NAME_ATTRS if get(a) is not None), None)
        if attr is None:
            return Bilingual(str(item))
    chinese = get(attr)
    return Bilingual("" if chinese is None else str(chinese), get(f"{attr}_en") or None)


def N_(template: str) -> str:  # noqa: N802 (the customary name of the no-op marker)
    """Mark a constant string for the catalog without wrapping it (translated where it is shown)."""
    return template
