"""Evidence materials: content sniffing, safe display names, upload, delete, the evidence checklist.

The type of a file is decided by its bytes, never by its name or the client's Content-Type.
Office files (DOCX, XLSX) are zip containers; they are inspected from the zip's central directory
(names, flags, declared sizes) before a single byte is decompressed, so a zip bomb is refused
without being extracted.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.models import Application, Material, User
from evaluator.models.base import utcnow
from evaluator.services import audit
from evaluator.services.applications import require_open_draft
from evaluator.services.rounds import round_criteria
from evaluator.storage import get_storage

MB = 1024 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    """An accepted kind of file."""

    name: str
    content_type: str
    extensions: tuple[str, ...]  # the first is the canonical one


PDF = Kind("PDF", "application/pdf", (".pdf",))
JPEG = Kind("JPEG", "image/jpeg", (".jpg", ".jpeg"))
PNG = Kind("PNG", "image/png", (".png",))
DOCX = Kind("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = Kind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
KINDS = (PDF, JPEG, PNG, DOCX, XLSX)
ACCEPTED = "PDF, JPEG, PNG, DOCX or XLSX"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_LOCAL_HEADER = b"PK\x03\x04"
# Zip containers: limits beyond the total uncompressed size (MAX_UNZIPPED_MB).
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_RATIO = 200  # uncompressed : compressed, per entry ...
ZIP_RATIO_GRACE = 1 * MB  # ... for entries that expand beyond this size
CONTENT_TYPES_MAX = 1 * MB
WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = (b"application/vnd.ms-word.document.macroEnabled.main+xml",
              b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")

FILENAME_MAX = 120  # characters, extension included
_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*]')
_DRIVE = re.compile(r"^[A-Za-z]:")


class FileRefusedError(ServiceError):
    """The file's content is not acceptable (422, with the reason under ``errors.file``)."""

    def __init__(self, reason: str):
        super().__init__(422, f"The file was refused: {reason}", {"file": [reason]})


# --------------------------------------------------------------------------- content sniffing


def _describe(data: bytes) -> str:
    """A short guess at what a refused file is, for the error message."""
    head = data[:512].lstrip().lower()
    if data.startswith(b"MZ"):
        return "a Windows executable"
    if data.startswith(b"\x7fELF"):
        return "a Linux executable"
    if data.startswith(b"#!"):
        return "a script"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "a legacy Office file (.doc/.xls); save it as .docx/.xlsx or PDF"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if head.startswith((b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml", b"<")):
        return "HTML/XML markup"
    if data.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "a compressed archive"
    return "of an unrecognised type"


def _check_member_name(name: str) -> None:
    parts = name.split("/")
    if (not name or name.startswith("/") or "\\" in name or _DRIVE.match(name) or ".." in parts
            or any(unicodedata.category(c) == "Cc" for c in name)):
        raise FileRefusedError(f"the archive has an unsafe member name {name[:80]!r} (absolute or "
                      f"path-traversal paths are not accepted).")


def inspect_zip(data: bytes, max_unzipped: int) -> Kind:
    """DOCX or XLSX if the zip container is a sound Office file, else FileRefusedError.

    Checked from the central directory first (nothing decompressed): entry count, member names
    (no absolute paths, ``..`` or backslashes), duplicates, encryption, compression methods,
    declared sizes (total at most ``max_unzipped`` bytes, no entry above ZIP_MAX_RATIO once it
    expands past ZIP_RATIO_GRACE). Only then is ``[Content_Types].xml`` read, and every entry is
    streamed once (in chunks, never kept) so a corrupt entry or a size that lies is caught by
    zipfile's own size and CRC checks.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRefusedError("it looks like a zip archive but cannot be read as one.") from None
    if len(infos) > ZIP_MAX_ENTRIES:
        raise FileRefusedError(f"the archive has more than {ZIP_MAX_ENTRIES} entries.")
    names: set[str] = set()
    total = 0
    for info in infos:
        _check_member_name(info.filename)
        if info.filename in names:
            raise FileRefusedError(f"the archive names {info.filename[:80]!r} twice.")
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise FileRefusedError("the archive has encrypted entries; upload the file without a password.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRefusedError("the archive uses a compression method Office files do not use.")
        total += info.file_size
        if total > max_unzipped:
            raise FileRefusedError(f"it expands to more than {max_unzipped // MB} MB when unzipped "
                          f"(a zip bomb?).")
        if info.file_size > ZIP_RATIO_GRACE and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise FileRefusedError(f"an entry compresses more than {ZIP_MAX_RATIO}:1, far beyond any real "
                          f"document (a zip bomb?).")
    if "[Content_Types].xml" not in names:
        raise FileRefusedError(f"it is a zip archive, not an Office document; accepted types: {ACCEPTED}.")
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > CONTENT_TYPES_MAX:
        raise FileRefusedError("the Office file's [Content_Types].xml is implausibly large.")
    try:
        with archive.open(info) as stream:
            types = stream.read(CONTENT_TYPES_MAX + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise FileRefusedError("the Office file is damaged.") from None
    if any(m in types for m in MACRO_MAIN) or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileRefusedError("macro-enabled Office files are not accepted; save it as .docx/.xlsx without "
                      "macros.")
    if WORD_MAIN in types and any(n.startswith("word/") for n in names):
        kind = DOCX
    elif EXCEL_MAIN in types and any(n.startswith("xl/") for n in names):
        kind = XLSX
    else:
        raise FileRefusedError(f"it is a zip container but neither a Word (.docx) nor an Excel (.xlsx) "
                      f"document; accepted types: {ACCEPTED}.")
    try:
        for entry in infos:
            if entry.is_dir():
                continue
            with archive.open(entry) as stream:
                while stream.read(256 * 1024):
                    pass
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        raise FileRefusedError("the Office file is damaged (an entry does not match its checksum or "
                               "size).") from None
    return kind


def sniff(data: bytes, max_unzipped: int) -> Kind:
    """The kind of file the bytes are, decided by content alone; FileRefusedError for anything else."""
    if not data:
        raise FileRefusedError("the file is empty.")
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return PNG
    if data.startswith(ZIP_LOCAL_HEADER):
        return inspect_zip(data, max_unzipped)
    raise FileRefusedError(f"the content is {_describe(data)}, not one of the accepted types ({ACCEPTED}); "
                  f"the file name's extension does not matter.")


# --------------------------------------------------------------------------- display names


def display_filename(raw: str | None, kind: Kind) -> str:
    """A safe name to show and to offer on download; never used as a path.

    Path components (``/``, ``\\``, a drive letter) are dropped, control and format characters
    removed, characters Windows forbids replaced by ``_``, the length capped at FILENAME_MAX
    characters, and the extension made to match the content: ``report.pdf`` holding a PNG is
    named ``report.png``, a name without a known extension gets the content's one appended.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _DRIVE.sub("", name)
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp", "Cs"))
    name = _UNSAFE_CHARS.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if dot and "." + ext.lower() in kind.extensions:
        suffix = "." + ext
    else:
        suffix = kind.extensions[0]
        if dot and "." + ext.lower() not in KNOWN_EXTENSIONS:
            stem = name  # "notes.v2" stays whole: "notes.v2.pdf"
        elif not dot:
            stem = name
    stem = stem.strip(" .")[: FILENAME_MAX - len(suffix)].rstrip(" .") or "material"
    return stem + suffix


# Extensions that, when they contradict the content, are replaced rather than kept in the name.
KNOWN_EXTENSIONS = {e for k in KINDS for e in k.extensions} | {
    ".doc", ".xls", ".docm", ".xlsm", ".ppt", ".pptx", ".exe", ".dll", ".com", ".scr", ".bat", ".cmd",
    ".ps1", ".sh", ".js", ".vbs", ".jar", ".html", ".htm", ".xhtml", ".svg", ".xml", ".txt", ".csv",
    ".zip", ".rar", ".7z", ".gz", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".ofd", ".wps"}


# --------------------------------------------------------------------------- operations


def _resolve_links(application: Application, indicator_id: str | None,
                   material_key: str | None) -> tuple[str | None, str | None]:
    """Check an upload's indicator and material key against the round's frozen criteria."""
    cs = round_criteria(application.round)
    catalogue = {m.key for m in cs.materials}
    leaf = None
    if indicator_id is not None:
        leaf = cs.node_map.get(indicator_id)
        if leaf is None or not leaf.is_leaf:
            raise ServiceError(422, f"'{indicator_id}' is not a scored (leaf) indicator of this round's "
                               f"criteria.", {"indicator_id": ["Unknown or not a leaf indicator."]})
    if material_key is not None and material_key not in catalogue:
        raise ServiceError(422, f"'{material_key}' is not in this round's materials catalogue.",
                           {"material_key": [f"One of: {', '.join(sorted(catalogue))}."]})
    if leaf is not None and material_key is not None and material_key not in leaf.evidence:
        asks = ", ".join(leaf.evidence) or "no materials"
        raise ServiceError(422, f"Indicator '{leaf.id}' does not ask for '{material_key}'; it asks for: "
                           f"{asks}.", {"material_key": [f"Indicator '{leaf.id}' asks for: {asks}."]})
    if leaf is not None and material_key is None and len(leaf.evidence) == 1:
        material_key = leaf.evidence[0]  # the indicator asks for exactly one kind: that is this file
    return indicator_id, material_key


def upload(actor: User, application: Application, stream: Any, filename: str | None,
           indicator_id: str | None = None, material_key: str | None = None) -> Material:
    """Check, store and record an uploaded file (flushes; the caller commits).

    The blob is written before the row; if the database step then fails, the request rolls back
    and the blob stays behind unreferenced, which is harmless: it is named by its own SHA-256 and
    is simply reused by the next identical upload.
    """
    require_open_draft(application, "given new materials")
    indicator_id, material_key = _resolve_links(application, indicator_id, material_key)
    limit_mb = int(current_app.config["MAX_UPLOAD_MB"])
    too_large = ServiceError(413, f"The upload is larger than the {limit_mb} MB limit.")
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > limit_mb * MB:
        raise too_large
    data = stream.read(limit_mb * MB + 1)
    if len(data) > limit_mb * MB:
        raise too_large
    kind = sniff(data, int(current_app.config["MAX_UNZIPPED_MB"]) * MB)
    sha256 = hashlib.sha256(data).hexdigest()
    name = display_filename(filename, kind)
    get_storage(current_app).put(data, sha256)
    material = Material(application_id=application.id, indicator_id=indicator_id,
                        material_key=material_key, filename=name, content_type=kind.content_type,
                        size=len(data), sha256=sha256, uploaded_by=actor.id, created_at=utcnow())
    db.session.add(material)
    db.session.flush()
    audit.record(actor, "material.uploaded", "material", material.id, {
        "application_id": application.id, "filename": name, "size": len(data), "sha256": sha256,
        "content_type": kind.content_type, "indicator_id": indicator_id, "material_key": material_key})
    return material


def delete(actor: User, material: Material) -> None:
    """Remove a material of a draft application (flushes; the caller commits).

    The blob itself is removed after the commit, and only when no other material row still
    refers to the same SHA-256 (identical uploads share one blob).
    """
    application = material.application
    require_open_draft(application, "changed")
    summary = {"application_id": application.id, "filename": material.filename, "size": material.size,
               "sha256": material.sha256, "indicator_id": material.indicator_id,
               "material_key": material.material_key}
    material_id, sha256 = material.id, material.sha256
    db.session.delete(material)
    db.session.flush()
    others = db.session.scalar(select(func.count()).select_from(Material).where(Material.sha256 == sha256))
    if not others:  # removed once committed; forgotten if the transaction rolls back
        db.session().info.setdefault(_PENDING, []).append((get_storage(current_app), sha256))
    audit.record(actor, "material.deleted", "material", material_id, summary)


_PENDING = "evaluator.materials.blobs_to_delete"


@event.listens_for(Session, "after_commit")
def _delete_blobs_after_commit(session: Session) -> None:
    for storage, sha256 in session.info.pop(_PENDING, []):
        try:
            storage.delete(sha256)
        except Exception:  # the row is gone already; an orphan blob is harmless
            log.exception("could not delete blob %s", sha256)


@event.listens_for(Session, "after_soft_rollback")
def _forget_blobs_on_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


# --------------------------------------------------------------------------- evidence checklist


def _file_entry(material: Material) -> dict[str, Any]:
    return {"id": material.id, "filename": material.filename, "indicator_id": material.indicator_id}


def checklist(application: Application) -> dict[str, Any]:
    """For every leaf indicator: its required material kinds, which are present (and in which files).

    A file counts for (indicator, key) when its material key is the key and it is either tied to
    that indicator or tied to no indicator at all.
    """
    cs = round_criteria(application.round)
    names = {m.key: m for m in cs.materials}
    materials = db.session.scalars(select(Material).where(Material.application_id == application.id)
                                   .order_by(Material.id)).all()
    indicators: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    required = present = 0
    for leaf in cs.leaves:
        items = []
        for key in leaf.evidence:
            files = [_file_entry(m) for m in materials
                     if m.material_key == key and m.indicator_id in (None, leaf.id)]
            item = {"material_key": key, "name": names[key].name if key in names else key,
                    "name_en": names[key].name_en if key in names else key,
                    "present": bool(files), "files": files}
            items.append(item)
            required += 1
            if files:
                present += 1
            else:
                missing.append({"indicator_id": leaf.id, "indicator_name": leaf.name,
                                "material_key": key, "name": item["name"], "name_en": item["name_en"]})
        indicators.append({"indicator_id": leaf.id, "name": leaf.name, "name_en": leaf.name_en,
                           "section": leaf.section, "path": leaf.path,
                           "complete": all(i["present"] for i in items), "materials": items})
    untagged = [_file_entry(m) for m in materials if m.material_key is None]
    return {
        "application_id": application.id, "criteria_id": cs.id, "criteria_version": cs.version,
        "indicators": indicators,
        "untagged_files": untagged,
        "summary": {
            "indicators": len(indicators),
            "indicators_complete": sum(1 for i in indicators if i["complete"]),
            "required": required, "present": present, "missing": required - present,
            "complete": required == present,
            "missing_keys": sorted({m["material_key"] for m in missing}),
            "missing_items": missing,
        },
    }
