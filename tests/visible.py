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
LITERALS = re.compile(
    r"^(?:None|True|False|nan)$|[:=]\s*(?:None|True|False|nan)\b|\[\s*'|'\s*\]|\{\s*'|\{\s*\""
)
HASH = re.compile(r"\b[0-9a-f]{12,64}\b")  # a SHA-256 (or its first characters): a value people compare
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]|[A-Za-z]")
EXPERT_LABEL = re.compile(r"专家[A-Z](?![A-Za-z])")
"""An anonymised expert as Chinese review documents name one (专家A, 专家B): a label, not English."""
HALF_WIDTH = re.compile(r"[\u3400-\u9fff]\s?[:;,?!()]|[(]\s?[\u3400-\u9fff]")


VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr")


class Visible(HTMLParser):
    """The text nodes and shown attributes of a page, in document order; text marked as another
    language than the page's (``lang``, e.g. the language switch) is left out, as it says so."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0
        self._page_lang: str | None = None
        self._open: list[tuple[str, bool]] = []  # (tag, marked as another language)

    def _other(self) -> bool:
        return any(other for _, other in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        lang = (names.get("lang") or "")[:2]
        if tag == "html":
            self._page_lang = lang or None
        elif tag not in VOID:
            self._open.append((tag, bool(lang) and lang != self._page_lang))
        if tag in SKIPPED:
            self._skip += 1
        if self._other() or (lang and lang != self._page_lang and tag != "html"):
            return
        for name in SHOWN_ATTRIBUTES:
            if names.get(name):
                self.chunks.append(str(names[name]))
        if tag == "input" and names.get("type") in ("submit", "button", "reset") and names.get("value"):
            self.chunks.append(str(names["value"]))  # a button's caption

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1
        for k in range(len(self._open) - 1, -1, -1):  # close up to the matching start tag
            if self._open[k][0] == tag:
                del self._open[k:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._other() and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    """The page's visible text, chunk by chunk (a text node or a shown attribute)."""
    parser = Visible()
    parser.feed(html)
    parser.close()
    return parser.chunks


def without_data(text: str, data: Iterable[str], stand_in: str = " ") -> str:
    """The text with the world's own words (the longest first) and checksums replaced by
    ``stand_in`` (in a Chinese page a Chinese character, so that the punctuation beside a name is
    still judged)."""
    for word in data:
        if word and word in text:
            text = text.replace(word, stand_in)
    return HASH.sub(" ", text)


REGION_CODE_ALONE = re.compile(r"^(?:.*[：:]\s*)?(51\d{4}(?:\d{3}){0,2})$")
"""A Sichuan region code standing for a place (您的辖区：511800, a table cell 510107): the place's
name is what a reader knows. Codes listed with the names in the office's register of
organisations are facts of that register and are not alone in their text."""


def inner_names(chunk: str) -> list[str]:
    """The inner identifiers in one chunk of visible text."""
    found = (
        SNAKE.findall(chunk) + BRACKETED.findall(chunk) + ISO_TIME.findall(chunk) + LITERALS.findall(chunk)
    )
    found += REGION_CODE_ALONE.findall(chunk.strip())
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
    chunk = EXPERT_LABEL.sub("专家", chunk)
    for term in allowed:
        if not term.isalpha():  # a term of several parts (SHA-256, GB/T): taken out whole
            chunk = chunk.replace(term, " ")
    return [w for w in LATIN_WORD.findall(chunk) if w.lower() not in ok]


def chinese(chunk: str) -> list[str]:
    """Chinese characters in a chunk of an English page."""
    return CJK.findall(chunk)


def half_width(chunk: str) -> list[str]:
    """Half-width punctuation beside Chinese text (已提交: 2, (评分结束))."""
    return HALF_WIDTH.findall(chunk)


def judge(chunk: str, language: str, data: list[str], allowed_words: Iterable[str]) -> list[str]:
    """The kinds of problem in one chunk of a page (none: an empty list)."""
    kinds = []
    if inner_names(chunk):
        kinds.append("inner name")
    if language == "zh":
        if english_words(chunk, allowed_words):
            kinds.append("English in a Chinese page")
        if half_width(chunk):
            kinds.append("half-width punctuation")
    elif chinese(chunk):
        kinds.append("Chinese in an English page")
    if kinds:  # judged again without the world's own words, which stay as they are written
        stand_in = "某" if language == "zh" else " "
        kinds = judge(without_data(chunk, data, stand_in), language, [], allowed_words) if data else kinds
    return kinds


def findings(
    html: str,
    language: str,
    data: list[str],
    allowed_words: Iterable[str],
    judged: dict[tuple[str, str], list[str]] | None = None,
) -> list[tuple[str, str]]:
    """Every problem of a page as (kind, the chunk it is in); ``judged`` remembers chunks seen on
    other pages (menus, headers, the same rows)."""
    judged = {} if judged is None else judged
    out: list[tuple[str, str]] = []
    for chunk in visible_text(html):
        key = (language, chunk)
        if key not in judged:
            judged[key] = judge(chunk, language, data, tuple(allowed_words))
        out += [(kind, chunk) for kind in judged[key]]
    return out
