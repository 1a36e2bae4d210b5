"""Zip containers (DOCX, XLSX): checks made from the central directory, before anything is unzipped.

Used by the evidence materials and by the spreadsheet reader. The checks look only at what the
archive declares about its members — names, flags, compression methods, sizes — so a zip bomb is
refused without a byte of it being decompressed. zipfile itself then enforces the declared sizes
and CRCs while an entry is read, so a size that lies is caught too.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile

from evaluator.messages import msg

MB = 1024 * 1024
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_RATIO = 200  # uncompressed : compressed, per entry ...
ZIP_RATIO_GRACE = 1 * MB  # ... for entries that expand beyond this size

_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveRefusedError(ValueError):
    """A zip container that must not be opened further; the message says why (a lower-case clause)."""

    def __str__(self) -> str:
        """The reason as given (a translatable message stays one)."""
        return self.args[0] if self.args and isinstance(self.args[0], str) else super().__str__()


def check_member_name(name: str) -> None:
    """Refuse an absolute, drive-letter, backslash, ``..`` or control-character member name."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or _DRIVE.match(name)
        or ".." in parts
        or any(unicodedata.category(c) == "Cc" for c in name)
    ):
        raise ArchiveRefusedError(
            msg(
                "the archive has an unsafe member name %(name)s (absolute or "
                "path-traversal paths are not accepted).",
                name=repr(name[:80]),
            )
        )


def check_members(archive: zipfile.ZipFile, max_unzipped: int) -> set[str]:
    """Check every member an archive declares; return the member names.

    Refused: more than ZIP_MAX_ENTRIES entries, unsafe or repeated names, encrypted entries,
    compression methods other than stored and deflated, a total declared size above
    ``max_unzipped`` bytes, and an entry that compresses more than ZIP_MAX_RATIO:1 once it
    expands past ZIP_RATIO_GRACE.
    """
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        raise ArchiveRefusedError(msg("the archive has more than %(max)s entries.", max=ZIP_MAX_ENTRIES))
    names: set[str] = set()
    total = 0
    for info in infos:
        check_member_name(info.filename)
        if info.filename in names:
            raise ArchiveRefusedError(msg("the archive names %(name)s twice.", name=repr(info.filename[:80])))
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise ArchiveRefusedError(
                msg("the archive has encrypted entries; upload the file without a password.")
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveRefusedError(msg("the archive uses a compression method Office files do not use."))
        total += info.file_size
        if total > max_unzipped:
            raise ArchiveRefusedError(
                msg("it expands to more than %(mb)s MB when unzipped (a zip bomb?).", mb=max_unzipped // MB)
            )
        if info.file_size > ZIP_RATIO_GRACE and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveRefusedError(
                msg(
                    "an entry compresses more than %(ratio)s:1, far beyond any real document (a zip bomb?).",
                    ratio=ZIP_MAX_RATIO,
                )
            )
    return names
