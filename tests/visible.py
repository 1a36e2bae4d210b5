"""What a page shows people, and what of it gives the service away: the visible text of an HTML page
(text and the attributes people read), and the findings in it — inner identifiers (snake_case
names, bracketed or dotted paths, the workflow's values, ISO times, Python's literals), English
words in a Chinese page, Chinese in an English page, half-width punctuation in Chinese text.

``data`` is the world's own text (organisation, place, person and file names, titles, usernames):
taken out before the text is judged, since data stays as it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from html.parser import HTMLParser

from evaluator import workflow

SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
"""Attributes people read (a tooltip, an empty field's hint, a screen reader's label, an image's text)."""
SKIPPED = ("script", "style", "template")

ENUM_VALUES = frozenset(
    member.value
    for value in vars(workflow).values()
    if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
    for member in value
)
"""Every value of the workflow's vocabularies (``submitted``, ``county_office`` …)."""

SNAKE = re.compile(r"(?<![A-Za-z0-9_.\-/@])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_\-/@])")
BRACKETED = re.compile(r"[A-Za-z_]\w*\[\d+\]")
DOTTED = re.compile(r"(?<![\w.\-/@])[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+(?![\w\-/@(])")
FILE_ENDINGS = (
    "pdf",
    "docx",
    "doc",
    "xlsx",
    "xls",
    "csv",
    "jpg",
    "jpeg",
    "png",
    "zip",
    "yaml",
    "yml",
    "txt",
    "json",
)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|[+-]\d{2}:\d{2}\b(?!\d)|\d{2}:\d{2}:\d{2}\.\d+")
LITERALS = re.compile(r"\b(?:None|True|False|nan|inf)\b|\[\s*'|'\s*\]|\{\s*'|\{\s*\"")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]|[A-Za-z]")
HALF_WIDTH = re.compile(r"[\u3400-\u9fff]\s?[:;,?!()]|[(]\s?[\u3400-\u9fff]")


class Visible(HTMLParser):
    """The text nodes and shown attributes of a page, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
        names = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if names.get(name):
                self.chunks.append(str(names[name]))
        if tag == "input" and names.get("type") in ("submit", "button", "reset") and names.get("value"):
            self.chunks.append(str(names["value"]))  # a button's caption

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED:
            self._skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    """The page's visible text, chunk by chunk (a text node or a shown attribute)."""
    parser = Visible()
    parser.feed(html)
    parser.close()
    return parser.chunks


def without_data(text: str, data: Iterable[str]) -> str:
    """The text with the world's own words taken out (the longest first)."""
    for word in data:
        if word and word in text:
            text = text.replace(word, " ")
    return text


def inner_names(chunk: str) -> list[str]:
    """The inner identifiers in one chunk of visible text."""
    found = (
        SNAKE.findall(chunk) + BRACKETED.findall(chunk) + ISO_TIME.findall(chunk) + LITERALS.findall(chunk)
    )
    for path in DOTTED.findall(chunk):
        parts = path.split(".")
        if parts[-1] not in FILE_ENDINGS and max(len(p) for p in parts) > 1:
            found.append(path)
    if chunk.strip() in ENUM_VALUES:
        found.append(chunk.strip())
    return found


def english_words(chunk: str, allowed: Iterable[str]) -> list[str]:
    """Latin-letter words in a chunk of a Chinese page, beyond the allowed ones."""
    ok = {a.lower() for a in allowed}
    return [w for w in LATIN_WORD.findall(chunk) if w.lower() not in ok]


def chinese(chunk: str) -> list[str]:
    """Chinese characters in a chunk of an English page."""
    return CJK.findall(chunk)


def half_width(chunk: str) -> list[str]:
    """Half-width punctuation beside Chinese text (已提交: 2, (评分结束))."""
    return HALF_WIDTH.findall(chunk)


def findings(
    html: str, language: str, data: list[str], allowed_words: Iterable[str]
) -> list[tuple[str, str]]:
    """Every problem of a page as (kind, the chunk it is in)."""
    out: list[tuple[str, str]] = []
    for raw in visible_text(html):
        chunk = without_data(raw, data)
        out += [("inner name", raw)] * bool(inner_names(chunk))
        if language == "zh":
            out += [("English in a Chinese page", raw)] * bool(english_words(chunk, allowed_words))
            out += [("half-width punctuation", raw)] * bool(half_width(chunk))
        else:
            out += [("Chinese in an English page", raw)] * bool(chinese(chunk))
    return out
