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
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from evaluator.accounts.models import User
from evaluator.applications.models import Application, Material
from evaluator.applications.transitions import check_editable, lock_application
from evaluator.archives import ArchiveRefusedError, check_members
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_material
from evaluator.core.settings import number, storage
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg, named
from evaluator.rounds.service import round_criteria

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
CONTENT_TYPES_MAX = 1 * MB
WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = (
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
)

FILENAME_MAX = 120  # characters, extension included
_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*]')
_DRIVE = re.compile(r"^[A-Za-z]:")


class FileRefusedError(ServiceError):
    """The file's content is not acceptable (422, with the reason under ``errors.file``)."""

    def __init__(self, reason: str):
        super().__init__(422, msg("The file was refused: %(reason)s", reason=reason), {"file": [reason]})


# --------------------------------------------------------------------------- content sniffing


def _describe(data: bytes) -> str:
    """A short guess at what a refused file is, for the error message."""
    head = data[:512].lstrip().lower()
    if data.startswith(b"MZ"):
        return msg("a Windows executable")
    if data.startswith(b"\x7fELF"):
        return msg("a Linux executable")
    if data.startswith(b"#!"):
        return msg("a script")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return msg("a legacy Office file (.doc/.xls); save it as .docx/.xlsx or PDF")
    if data.startswith((b"GIF87a", b"GIF89a")):
        return msg("a GIF image")
    if head.startswith((b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml", b"<")):
        return msg("HTML/XML markup")
    if data.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return msg("a compressed archive")
    return msg("of an unrecognised type")


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
        raise FileRefusedError(msg("it looks like a zip archive but cannot be read as one.")) from None
    try:
        names = check_members(archive, max_unzipped)
    except ArchiveRefusedError as exc:
        raise FileRefusedError(str(exc)) from None
    if "[Content_Types].xml" not in names:
        raise FileRefusedError(
            msg(
                "it is a zip archive, not an Office document; accepted types: %(accepted)s.",
                accepted=ACCEPTED,
            )
        )
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > CONTENT_TYPES_MAX:
        raise FileRefusedError(msg("the Office file's [Content_Types].xml is implausibly large."))
    try:
        with archive.open(info) as stream:
            types = stream.read(CONTENT_TYPES_MAX + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise FileRefusedError(msg("the Office file is damaged.")) from None
    if any(m in types for m in MACRO_MAIN) or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileRefusedError(
            msg("macro-enabled Office files are not accepted; save it as .docx/.xlsx without macros.")
        )
    if WORD_MAIN in types and any(n.startswith("word/") for n in names):
        kind = DOCX
    elif EXCEL_MAIN in types and any(n.startswith("xl/") for n in names):
        kind = XLSX
    else:
        raise FileRefusedError(
            msg(
                "it is a zip container but neither a Word (.docx) nor an Excel (.xlsx) "
                "document; accepted types: %(accepted)s.",
                accepted=ACCEPTED,
            )
        )
    try:
        for entry in infos:
            if entry.is_dir():
                continue
            with archive.open(entry) as stream:
                while stream.read(256 * 1024):
                    pass
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        raise FileRefusedError(
            msg("the Office file is damaged (an entry does not match its checksum or size).")
        ) from None
    return kind


def sniff(data: bytes, max_unzipped: int) -> Kind:
    """The kind of file the bytes are, decided by content alone; FileRefusedError for anything else."""
    if not data:
        raise FileRefusedError(msg("the file is empty."))
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return PNG
    if data.startswith(ZIP_LOCAL_HEADER):
        return inspect_zip(data, max_unzipped)
    raise FileRefusedError(
        msg(
            "the content is %(what)s, not one of the accepted types (%(accepted)s); the "
            "file name's extension does not matter.",
            what=_describe(data),
            accepted=ACCEPTED,
        )
    )


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
    ".doc",
    ".xls",
    ".docm",
    ".xlsm",
    ".ppt",
    ".pptx",
    ".exe",
    ".dll",
    ".com",
    ".scr",
    ".bat",
    ".cmd",
    ".ps1",
    ".sh",
    ".js",
    ".vbs",
    ".jar",
    ".html",
    ".htm",
    ".xhtml",
    ".svg",
    ".xml",
    ".txt",
    ".csv",
    ".zip",
    ".rar",
    ".7z",
    ".gz",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".webp",
    ".heic",
    ".ofd",
    ".wps",
}


# --------------------------------------------------------------------------- operations


def _resolve_links(
    application: Application, indicator_id: str | None, material_key: str | None
) -> tuple[str | None, str | None]:
    """Check an upload's indicator and material key against the round's frozen criteria."""
    cs = round_criteria(application.round)
    catalogue = {m.key for m in cs.materials}
    leaf = None
    if indicator_id is not None:
        leaf = cs.node_map.get(indicator_id)
        if leaf is None or not leaf.is_leaf:
            raise ServiceError(
                422,
                msg("'%(id)s' is not a scored (leaf) indicator of this round's criteria.", id=indicator_id),
                {"indicator_id": [msg("Unknown or not a leaf indicator.")]},
            )
    if material_key is not None and material_key not in catalogue:
        raise ServiceError(
            422,
            msg("'%(key)s' is not in this round's materials catalogue.", key=material_key),
            {"material_key": [msg("One of: %(keys)s.", keys=sorted(catalogue))]},
        )
    if leaf is not None and material_key is not None and material_key not in leaf.evidence:
        # Named as people read them; the field's message says what the indicator asks for instead.
        kinds = {m.key: m for m in cs.materials}
        refusal = msg(
            "The indicator '%(indicator)s' does not ask for '%(kind)s'.",
            indicator=named(leaf),
            kind=named(kinds[material_key]),
        )
        if not leaf.evidence:
            asks = msg("This indicator asks for no materials: leave the kind of material open.")
        else:
            asks = msg("This indicator asks for: %(kinds)s.", kinds=[named(kinds[k]) for k in leaf.evidence])
        raise ServiceError(422, refusal, {"material_key": [asks]})
    if leaf is not None and material_key is None and len(leaf.evidence) == 1:
        material_key = leaf.evidence[0]  # the indicator asks for exactly one kind: that is this file
    return indicator_id, material_key


def upload(
    actor: User,
    application: Application,
    stream: Any,
    filename: str | None,
    indicator_id: str | None = None,
    material_key: str | None = None,
) -> Material:
    """Check, store and record an uploaded file (flushes; the caller commits).

    The blob is written before the row; if the database step then fails, the request rolls back
    and the blob stays behind unreferenced, which is harmless: it is named by its own SHA-256 and
    is simply reused by the next identical upload.
    """
    application = lock_application(application)
    check_editable(application, "given new materials")
    indicator_id, material_key = _resolve_links(application, indicator_id, material_key)
    limit_mb = number("MAX_UPLOAD_MB")
    too_large = ServiceError(413, msg("The upload is larger than the %(mb)s MB limit.", mb=limit_mb))
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > limit_mb * MB:
        raise too_large
    data = stream.read(limit_mb * MB + 1)
    if len(data) > limit_mb * MB:
        raise too_large
    _check_room(application, len(data))
    kind = sniff(data, number("MAX_UNZIPPED_MB") * MB)
    sha256 = hashlib.sha256(data).hexdigest()
    name = display_filename(filename, kind)
    storage().put(data, sha256)
    material = Material(
        application_id=application.id,
        indicator_id=indicator_id,
        material_key=material_key,
        filename=name,
        content_type=kind.content_type,
        size=len(data),
        sha256=sha256,
        uploaded_by=actor.id,
        created_at=utcnow(),
    )
    db.session.add(material)
    db.session.flush()
    audit.record(
        actor,
        "material.uploaded",
        "material",
        material.id,
        {
            "application_id": application.id,
            "filename": name,
            "size": len(data),
            "sha256": sha256,
            "content_type": kind.content_type,
            "indicator_id": indicator_id,
            "material_key": material_key,
        },
    )
    return material


def _check_room(application: Application, size: int) -> None:
    """422 when one more file of ``size`` bytes would pass the application's caps on the number of
    files (``MAX_MATERIALS``) or their total size (``MAX_MATERIALS_MB``). Checked under the
    application's lock, so parallel uploads cannot slip past together."""
    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Material.size), 0)).where(
            Material.application_id == application.id
        )
    ).one()
    most, most_mb = number("MAX_MATERIALS"), number("MAX_MATERIALS_MB")
    if count >= most:
        raise ServiceError(
            422,
            msg(
                "An application may hold at most %(count)s files; delete one you no longer need first.",
                count=most,
            ),
            {"file": [msg("too many files")]},
        )
    if total + size > most_mb * MB:
        raise ServiceError(
            422,
            msg(
                "The application's files may take at most %(mb)s MB together; delete "
                "one you no longer need first.",
                mb=most_mb,
            ),
            {"file": [msg("not enough room left")]},
        )


def delete(actor: User, material: Material, expected: Collection[str] | None = None) -> None:
    """Remove a material of a draft application (flushes; the caller commits).

    ``expected``: the ETags of the client's If-Match (a material's ETag is its SHA-256); 412 when
    none is this file's.

    The blob itself is removed after the commit, and only when no other material row still
    refers to the same SHA-256 (identical uploads share one blob).
    """
    material_id = material.id
    application = lock_application(material.application)  # the round and the application first
    material = lock_material(material_id)
    if material is None:  # deleted by a request that committed while this one waited
        raise ServiceError(404, msg("No material %(id)s.", id=material_id))
    if expected is not None and material.sha256 not in expected:
        raise ServiceError(
            412, msg("The material is not the file you named (If-Match); reload the list and try again.")
        )
    check_editable(application, "changed")
    summary = {
        "application_id": application.id,
        "filename": material.filename,
        "size": material.size,
        "sha256": material.sha256,
        "indicator_id": material.indicator_id,
        "material_key": material.material_key,
    }
    sha256 = material.sha256
    db.session.delete(material)
    db.session.flush()
    others = db.session.scalar(select(func.count()).select_from(Material).where(Material.sha256 == sha256))
    if not others:  # removed once committed; forgotten if the transaction rolls back
        db.session().info.setdefault(_PENDING, []).append((storage(), sha256))
    audit.record(actor, "material.deleted", "material", material_id, summary)


_PENDING = "evaluator.materials.blobs_to_delete"


@event.listens_for(Session, "after_commit")
def _delete_blobs_after_commit(session: Session) -> None:
    for store, sha256 in session.info.pop(_PENDING, []):
        try:
            store.delete(sha256)
        except Exception:  # the row is gone already; an orphan blob is harmless
            log.exception("could not delete blob %s", sha256)


@event.listens_for(Session, "after_soft_rollback")
def _forget_blobs_on_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


# --------------------------------------------------------------------------- evidence checklist


def _file_entry(material: Material) -> dict[str, Any]:
    return {"id": material.id, "filename": material.filename, "indicator_id": material.indicator_id}


def materials_of(application: Application) -> list[Material]:
    """An application's materials, in the order they were uploaded."""
    return list(
        db.session.scalars(
            select(Material).where(Material.application_id == application.id).order_by(Material.id)
        )
    )


def checklist(application: Application) -> dict[str, Any]:
    """For every leaf indicator: its required material kinds, which are present (and in which files).

    A file counts for (indicator, key) when its material key is the key, whichever indicator it was
    uploaded for: evidence uploaded once serves every indicator that asks for that material.
    """
    cs = round_criteria(application.round)
    names = {m.key: m for m in cs.materials}
    materials = materials_of(application)
    indicators: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    required = present = 0
    for leaf in cs.leaves:
        items = []
        for key in leaf.evidence:
            files = [_file_entry(m) for m in materials if m.material_key == key]
            item = {
                "material_key": key,
                "name": names[key].name if key in names else key,
                "name_en": names[key].name_en if key in names else key,
                "present": bool(files),
                "files": files,
            }
            items.append(item)
            required += 1
            if files:
                present += 1
            else:
                missing.append(
                    {
                        "indicator_id": leaf.id,
                        "indicator_name": leaf.name,
                        "indicator_name_en": leaf.name_en,
                        "material_key": key,
                        "name": item["name"],
                        "name_en": item["name_en"],
                    }
                )
        indicators.append(
            {
                "indicator_id": leaf.id,
                "name": leaf.name,
                "name_en": leaf.name_en,
                "section": leaf.section,
                "path": leaf.path,
                "complete": all(i["present"] for i in items),
                "materials": items,
            }
        )
    untagged = [_file_entry(m) for m in materials if m.material_key is None]
    return {
        "application_id": application.id,
        "criteria_id": cs.id,
        "criteria_version": cs.version,
        "indicators": indicators,
        "untagged_files": untagged,
        "summary": {
            "indicators": len(indicators),
            "indicators_complete": sum(1 for i in indicators if i["complete"]),
            "required": required,
            "present": present,
            "missing": required - present,
            "complete": required == present,
            "missing_keys": sorted({m["material_key"] for m in missing}),
            "missing_items": missing,
        },
    }
