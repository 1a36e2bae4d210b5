"""HTML to PDF/A-3u with WeasyPrint, for the dossiers and the other printed documents.

One face (Noto Sans CJK SC, from Debian's fonts-noto-cjk) embedded as subsets by HarfBuzz; a URL
fetcher that fetches nothing (every chart, QR code and style is inline; templates come only from
the project); WeasyPrint's warnings captured for each render, so that a missing glyph (a ``.notdef``
box) or the slow fontTools fallback when HarfBuzz's subsetter is missing fails the render instead of
shipping a document with boxes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from io import BytesIO

import weasyprint.pdf
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from evaluator.core import settings
from evaluator.messages import N_, msg

PDF_VARIANT = "pdf/a-3u"
MAX_MISSING = 20
_LOCAL = threading.local()
_RENDER_LOCK = threading.Lock()


NO_GLYPH = N_(
    "The dossier's font lacks %(chars)s: change the text with these characters, or install the font "
    "Noto Sans CJK SC if it is missing."
)
NOT_RENDERED = N_("The document could not be rendered; the service's log says why.")


class RenderError(RuntimeError):
    """A document that must not be issued: WeasyPrint warned while rendering it. ``missing`` holds
    the characters no face has, ``message`` what to tell the office (never WeasyPrint's words)."""

    def __init__(self, warnings: list[str], missing: list[str]):
        super().__init__("; ".join(dict.fromkeys(warnings)))
        self.missing = list(dict.fromkeys(missing))[:MAX_MISSING]
        self.message = msg(NO_GLYPH, chars=self.missing) if self.missing else msg(NOT_RENDERED)


class RefusingFetcher(URLFetcher):
    """Fetches nothing: ``file:`` URLs would read the server's files, external ones would leak the
    reader's data or hang the render; the documents need neither."""

    def fetch(self, url, headers=None):
        """Refuse every URL (WeasyPrint logs the refusal, which fails the render)."""
        raise ValueError(f"the document may not fetch {url[:80]!r}")


class _Captured(logging.Handler):
    """Collects WeasyPrint's warnings of the renders running in this thread."""

    def emit(self, record: logging.LogRecord) -> None:
        sink = getattr(_LOCAL, "sink", None)
        if sink is not None and record.levelno >= logging.WARNING:
            sink.append(record)


_HANDLER = _Captured()
for _name in ("weasyprint", "fontTools"):
    logging.getLogger(_name).addHandler(_HANDLER)


class _Packaged:
    """WeasyPrint's packaged files, opened as in-memory streams: WeasyPrint 70 opens the sRGB
    profile of every PDF/A without closing it (a file handle left to the garbage collector)."""

    def __init__(self, package: str, name: str = ""):
        self.package, self.name = package, name

    def __truediv__(self, name: str) -> _Packaged:
        return _Packaged(self.package, name)

    def open(self, mode: str = "rb") -> BytesIO:
        """The file's bytes as a stream that needs no closing."""
        return BytesIO(_packaged_bytes(self.package, self.name))


@functools.cache
def _packaged_bytes(package: str, name: str) -> bytes:
    return (resources.files(package) / name).read_bytes()


weasyprint.pdf.files = _Packaged


def _font_config() -> FontConfiguration:
    config = getattr(_LOCAL, "fonts", None)
    if config is None:
        config = _LOCAL.fonts = FontConfiguration()
    return config


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while a document is laid out: the layout makes
    hundreds of thousands of short-lived objects, and each full collection would walk the whole
    application's heap (about a tenth of a render's time); it collects as usual afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


UA_TEMPLATE = "dossiers/print-ua.css"


@functools.lru_cache(maxsize=4)
def _user_agent_sheet(text: str) -> CSS:
    return CSS(string=text)


class PrintHTML(HTML):
    """An HTML document styled by the printed documents' own short user-agent stylesheet
    (templates/dossiers/print-ua.css) instead of WeasyPrint's whole one: the templates use a dozen
    elements, and matching each element against WeasyPrint's 400 selectors cost about a sixth of a
    render. The documents contain no forms."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_user_agent_sheet(settings.template(UA_TEMPLATE).render())]


@dataclass(frozen=True)
class Attached:
    """A file attached to the PDF (PDF/A-3 associated file)."""

    name: str
    data: bytes
    description: str
    relationship: str = "Data"


def render_pdf(
    html: str,
    attachments: tuple[Attached, ...] = (),
    when: datetime | None = None,
    identifier: bytes | None = None,
) -> bytes:
    """The HTML as a PDF/A-3u (title, author, subject and keywords from its ``<title>`` and
    ``<meta>``), with the attachments; ``RenderError`` listing WeasyPrint's warnings if it gave any."""
    sink: list[logging.LogRecord] = []
    _LOCAL.sink = sink
    try:
        files = [
            Attachment(
                file_obj=BytesIO(a.data),
                name=a.name,
                description=a.description,
                relationship=a.relationship,
                created=when,
                modified=when,
                url_fetcher=RefusingFetcher(),
            )
            for a in attachments
        ]
        document = PrintHTML(string=html, url_fetcher=RefusingFetcher(), base_url="about:blank")
        with _RENDER_LOCK, _collector_paused():
            pdf = document.write_pdf(
                font_config=_font_config(),
                pdf_variant=PDF_VARIANT,
                attachments=files,
                pdf_identifier=identifier,
                uncompressed_pdf=False,
            )
    finally:
        _LOCAL.sink = None
    if sink:
        missing = [str(r.args[0]) for r in sink if str(r.msg).startswith(".notdef") and r.args]
        raise RenderError([r.getMessage() for r in sink], missing)
    return pdf
