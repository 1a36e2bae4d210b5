"""The reader's language: Chinese by default, English on request (Flask-Babel catalogs).

Messages are written in English (``evaluator.messages.msg``) and translated where they leave the
service: ``localise`` turns a message, or a structure of them (an error envelope's ``errors``), into
the reader's language. Plain strings are looked up as they are; the validation library's own
messages, which arrive already formatted, are matched against their templates below.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import gettext, refresh

from evaluator.messages import N_, Bilingual, Message, named

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LIST_SEPARATOR = {"zh": "、", "en": ", "}

# The validation library's messages that reach users, as templates with {name} placeholders.
VALIDATION_TEMPLATES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid date."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Not a valid utf-8 string."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be one of: {choices}."),
    N_("Must be equal to {other}."),
    N_("One or more of the choices you made was not in: {choices}."),
)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the language chosen per request."""
    from evaluator.extensions import babel

    babel.init_app(app, locale_selector=language)
    # The chosen language is cached on ``g``, which outlives a request where an application context
    # is shared (tests, commands that call views): each request chooses afresh.
    app.before_request(refresh)


def language() -> str:
    """The language of this request (or command): a choice made for the request, else the
    Accept-Language header, else Chinese."""
    if has_request_context():
        chosen = getattr(g, "language", None)
        if chosen in LANGUAGES:
            return chosen
        return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    if has_app_context():
        return current_app.config.get("LANGUAGE", DEFAULT_LANGUAGE)
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=1)
def _template_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    patterns = []
    for template in VALIDATION_TEMPLATES:
        if "{" not in template:
            continue
        parts = re.split(r"\{(\w+)\}", template)
        regex = "".join(re.escape(p) if k % 2 == 0 else f"(?P<{p}>.+?)" for k, p in enumerate(parts))
        patterns.append((re.compile(regex + r"\Z"), template))
    # The template with the most fixed text first: "… {min} and … {max}." before "… {min}.".
    patterns.sort(key=lambda p: -len(re.sub(r"\{\w+\}", "", p[1])))
    return tuple(patterns)


def _param(value: Any, sep: str) -> Any:
    if isinstance(value, str):
        return localise(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sep.join(str(localise(v)) for v in value)
    return value


def _translate_text(text: str) -> str:
    if not text:  # gettext("") is the catalog's header
        return text
    translated = gettext(text)
    if translated != text or "{" in text:
        return translated
    for pattern, template in _template_patterns():
        match = pattern.match(text)
        if match:
            try:
                return gettext(template).format(**match.groupdict())
            except (KeyError, IndexError, ValueError):
                return text
    return text


def bilingual_text(text: Bilingual) -> str:
    """A text of the data in the reader's language: the English on English pages (where the data has
    it), else the Chinese."""
    return text.en if language() == "en" else text.zh


def criteria_text(item: Any, attr: str | None = None) -> str:
    """A criteria set's text in the reader's language — the one place that chooses: ``attr`` (by
    default the item's name: label, name, title or reason) on Chinese pages, its twin ``<attr>_en``
    on English ones. Works on the criteria's records and on the dicts the services build from them.

    The loader refuses a set without the English (``criteria.loader``); a round frozen before the sets
    carried every English text shows the Chinese where the English is missing."""
    if item is None:
        return ""
    return bilingual_text(named(item, attr))


def join_list(items: Any) -> str:
    """Words as a list in the reader's language: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    return LIST_SEPARATOR.get(language(), ", ").join(str(localise(v)) for v in items)


def localise(value: Any) -> Any:
    """A message, or a dict/list of them, in the reader's language (keys are kept: they are names)."""
    if isinstance(value, Bilingual):
        return bilingual_text(value)
    if isinstance(value, Message):
        sep = LIST_SEPARATOR.get(language(), ", ")
        params = {k: _param(v, sep) for k, v in value.params.items()}
        template = gettext(value.template)
        try:
            return template % params if params else template
        except (KeyError, ValueError, TypeError):  # a broken translation never hides the message
            return str(value)
    if isinstance(value, str):
        return _translate_text(value) if has_app_context() else value
    if isinstance(value, dict):
        return {k: localise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [localise(v) for v in value]
    return value
