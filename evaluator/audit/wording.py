"""What the sentences of audit events are made of: ``Sentence`` (the sentence and its detail lines),
``say`` (a translated sentence with its values escaped, names possibly linked), and ``Event`` (an
event's summary and the names of what it concerns, as linked text)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext
from markupsafe import Markup, escape

from evaluator.audit.models import AuditEvent
from evaluator.audit.names import Names
from evaluator.formatting import show_datetime
from evaluator.i18n import language

Link = Callable[[str, Any, str], Markup]


def plain(kind: str, ident: Any, text: str) -> Markup:
    """A name as text (no link)."""
    return escape(text)


@dataclass
class Sentence:
    """An event in words: the sentence, and detail lines (reasons, notes, changes)."""

    text: Markup
    details: list[Markup] = field(default_factory=list)


def say(sentence: str, **params: Any) -> Markup:
    """A sentence already translated (``say(gettext("…"), …)``, so that the catalog finds it) with its
    values filled in, each escaped unless it is already markup."""
    return Markup(sentence) % {k: v if isinstance(v, Markup) else escape(v) for k, v in params.items()}


def quoted(text: Any) -> str:
    """A title in quotation marks (“…”), as the pages write them in both languages."""
    return f"“{text}”"


@dataclass
class Event:
    """What a sentence function reads: the event's summary, and its names as (linked) text."""

    event: AuditEvent
    names: Names
    link: Link

    @property
    def s(self) -> dict[str, Any]:
        """The event's summary."""
        return self.event.summary or {}

    @property
    def object_id(self) -> int | None:
        """The event's object id as a number (None when it has none)."""
        raw = self.event.object_id
        return int(raw) if raw and raw.isascii() and raw.isdigit() else None

    def application(self, ident: Any = None) -> Markup:
        """The application (the event's own, or ``ident``) as its organisation's name, linked."""
        ident = self.object_id if ident is None else ident
        found = self.names.applications.get(ident) if isinstance(ident, int) else None
        if found is None:
            return escape(self.s.get("organisation") or gettext("an application no longer kept"))
        return self.link("application", ident, found[0])

    def round(self, ident: Any = None) -> Markup:
        """A round (the event's own, the summary's, or the application's) by its title, linked."""
        if ident is None:
            ident = self.s.get("round_id")
        if ident is None and self.event.object_type == "round":
            ident = self.object_id
        if ident is None:
            app = self.names.applications.get(self.s.get("application_id") or self.object_id or 0)
            ident = app[1] if app else None
        title = self.names.rounds.get(ident) if isinstance(ident, int) else None
        if title is None:
            return escape(quoted(self.s.get("title") or gettext("a round no longer kept")))
        return self.link("round", ident, quoted(title))

    def user(self, ident: Any = None) -> Markup:
        """An account by its display name, linked (the event's own account by default)."""
        ident = self.object_id if ident is None else ident
        name = self.names.users.get(ident) if isinstance(ident, int) else None
        if name is None:
            return escape(self.s.get("username") or gettext("an account no longer kept"))
        return self.link("user", ident, name)

    def organisation(self, ident: Any = None, fallback: str | None = None) -> Markup:
        """A registered organisation by its name (or the name recorded), linked to its accounts."""
        name = self.names.organisations.get(ident) if isinstance(ident, int) else None
        if name is None:
            return escape(fallback or self.s.get("name") or gettext("an organisation no longer kept"))
        return self.link("organisation", ident, name)

    def text(self, key: str) -> str | None:
        """A text the summary recorded (a reason, a note), None when empty."""
        value = self.s.get(key)
        return str(value).strip() or None if value is not None else None

    def reason(self, key: str = "reason") -> list[Markup]:
        """The recorded reason as a detail line (none when there is none)."""
        text = self.text(key)
        return [say(gettext("Reason: %(reason)s"), reason=text)] if text else []

    def note(self) -> list[Markup]:
        """The recorded note as a detail line (none when there is none)."""
        text = self.text("note")
        return [say(gettext("Note: %(note)s"), note=text)] if text else []


def time_words(value: Any) -> str:
    """A recorded ISO time in Beijing time, in the reader's words ('—' for none)."""
    if value is None:
        return "—"
    try:
        return show_datetime(datetime.fromisoformat(str(value)))
    except ValueError:
        return "—"


def before_after(change: Any) -> tuple[Any, Any]:
    """A recorded change as (before, after); a plain value as (None, value)."""
    return (change.get("before"), change.get("after")) if isinstance(change, dict) else (None, change)


def joined(items: list[str]) -> str:
    """Items joined with the reader's list separator (、 in Chinese)."""
    return ("、" if language() == "zh" else ", ").join(items)
