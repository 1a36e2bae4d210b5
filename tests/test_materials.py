"""Materials through the API: content sniffing, limits, zip bombs, safe names, roles, checklist."""

from __future__ import annotations

import functools
import hashlib
import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from evaluator.applications.models import Material
from evaluator.audit.models import AuditEvent
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.materials import service
from evaluator.materials.service import DOCX, JPEG, PDF, PNG, XLSX, display_filename
from evaluator.storage import LocalStorage, get_storage

MB = 1024 * 1024

# --------------------------------------------------------------------------- sample files

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# A 1x1 JPEG (baseline, JFIF).
JPEG_BYTES = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616"
    "183123251d283a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ff"
    "db0043011112121815182f1a1a2f6342384263636363636363636363636363636363636363636363636363636363"
    "63636363636363636363636363636363636363ffc00011080001000103012200021101031101ffc4001f000001"
    "0501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000"
    "017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a16171819"
    "1a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a73747576777879"
    "7a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9ca"
    "d2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f010003010101010101010101"
    "0000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104"
    "052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728"
    "292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a8283848586"
    "8788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6"
    "d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f00c7a28a2b84fa83ffd9"
)


def png_bytes(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid 1x1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" + bytes(colour)))
        + chunk(b"IEND", b"")
    )


DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_bytes(
    text: str = "社区党组织设置情况", extra: dict[str, bytes] | None = None, types: str = DOCX_TYPES
) -> bytes:
    """A minimal Word document built with zipfile (plus extra members, e.g. a bomb)."""
    members = {
        "[Content_Types].xml": types.encode(),
        "_rels/.rels": DOCX_RELS.encode(),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            f"{text}</w:t></w:r></w:p></w:body></w:document>"
        ).encode(),
        **(extra or {}),
    }
    return zip_bytes(members)  # fixed timestamps: the same arguments give the same bytes


def xlsx_bytes() -> bytes:
    """A small workbook written by openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "持证类别"])
    ws.append(["张三", "社会工作师"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A plain zip archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def bomb_docx(expands_to: int) -> bytes:
    """A valid DOCX with one extra entry of zeros that expands to ``expands_to`` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", DOCX_TYPES)
        zf.writestr("word/document.xml", "<w:document/>")
        block = b"\0" * MB
        with zf.open("word/media/filler.bin", "w", force_zip64=True) as entry:
            for _ in range(expands_to // MB):
                entry.write(block)
    return out.getvalue()


def set_encrypted_flag(data: bytes) -> bytes:
    """Mark every entry encrypted (general-purpose flag bit 0) in local and central headers."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := raw.find(signature, start)) != -1:
            raw[at + offset] |= 0x01
            start = at + 4
    return bytes(raw)


# --------------------------------------------------------------------------- factory


@functools.cache
def fc_2026():
    """The bundled featured-community criteria set (loaded once)."""
    return load_criteria("fc-2026")


def fetch(client, url, headers=None):
    """GET a download, read it whole and close it (the file stays open until the response closes)."""
    res = client.get(url, headers=headers or {})
    res.get_data()
    res.close()
    return res


@pytest.fixture
def world(app, make_org, make_user, make_draft, monkeypatch, tmp_path, worlds):
    """An open fc-2026 round, a draft application, its applicant, another applicant, an admin.

    Each test gets its own empty materials folder. Built once for the module, written back for each
    test (tests/worlds.py).
    """
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))

    def build():
        admin_user, admin = make_user("admin")
        org = make_org()
        rnd, application = make_draft(organisation=org, actor=admin_user)
        owner_user, owner = make_user("applicant", organisation=org)
        _, other = make_user("applicant")
        _, reviewer = make_user("reviewer")

        class World:
            pass

        w = World()
        w.round, w.application, w.owner_user = rnd, application, owner_user
        w.owner, w.other, w.admin, w.reviewer = owner, other, admin, reviewer
        w.url = f"/api/v1/applications/{application.id}/materials"
        return w

    return worlds.reuse("world", build)


def upload(client, world, data: bytes, filename: str = "材料.pdf", headers=None, **form):
    """POST one file (and form fields) as the owner unless other headers are given."""
    # Encoded in memory: the test client spools big bodies to a temporary file it never closes.
    part = FileStorage(io.BytesIO(data), filename=filename, content_type="application/octet-stream")
    boundary, body = encode_multipart({"file": part, **form})
    return client.post(
        world.url,
        data=body,
        headers=world.owner if headers is None else headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def raw_upload(client, world, disposition: bytes, data: bytes = PDF_BYTES):
    """POST a hand-written multipart body (for file names a test client would mangle)."""
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; '
        + disposition
        + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
        + data
        + b"\r\n--XyZ--\r\n"
    )
    return client.post(
        world.url, data=body, headers=world.owner, content_type="multipart/form-data; boundary=XyZ"
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --------------------------------------------------------------------------- accepted types


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (PDF_BYTES, "申报书.pdf", PDF),
        (JPEG_BYTES, "活动照片.jpg", JPEG),
        (png_bytes(), "平面图.png", PNG),
        (docx_bytes(), "党组织设置.docx", DOCX),
        (xlsx_bytes(), "社工名册.xlsx", XLSX),
    ],
)
def test_every_accepted_type_is_stored_with_its_sniffed_type(client, world, data, name, kind):
    res = upload(client, world, data, name)
    assert res.status_code == 201, res.json
    body = res.json
    assert body["content_type"] == kind.content_type
    assert body["filename"] == name and body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert res.headers["Location"] == f"/api/v1/materials/{body['id']}"
    material = db.session.get(Material, body["id"])
    assert material.uploaded_by == world.owner_user.id
    assert get_storage(client.application).get(material.sha256) == data
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "material.uploaded")).one()
    assert event.object_id == str(material.id)
    assert event.summary["filename"] == name and event.summary["sha256"] == material.sha256
    assert event.summary["size"] == len(data)


def test_the_content_decides_the_type_and_the_name_follows_it(client, world):
    res = upload(client, world, png_bytes(), "扫描件.pdf")
    assert res.status_code == 201, res.json
    assert res.json["content_type"] == "image/png" and res.json["filename"] == "扫描件.png"
    res = upload(client, world, PDF_BYTES, "report")  # no extension: the content's one is added
    assert res.json["filename"] == "report.pdf"
    res = upload(client, world, PDF_BYTES, "REPORT.PDF")  # a matching extension is kept as it is
    assert res.json["filename"] == "REPORT.PDF"
    res = upload(client, world, PDF_BYTES, "会议纪要.v2")  # not an extension we know: kept in the name
    assert res.json["filename"] == "会议纪要.v2.pdf"


# --------------------------------------------------------------------------- refused content


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 200, "setup.pdf", "Windows executable"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "page.pdf", "HTML"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "logo.png", "HTML/XML"),
        (b"#!/bin/sh\nrm -rf /\n", "run.pdf", "script"),
        (bytes(range(256)) * 4, "noise.pdf", "unrecognised"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.doc", "legacy Office"),
        (b"GIF89a\x01\x00\x01\x00", "anim.png", "GIF"),
        (b"", "empty.pdf", "empty"),
        (b" %PDF-1.4 not at the start", "shifted.pdf", "unrecognised"),
    ],
)
def test_disguised_and_unknown_content_is_refused(client, world, data, name, says):
    res = upload(client, world, data, name)
    assert res.status_code == 422, res.json
    assert res.json["code"] == 422 and says in res.json["message"]
    assert res.json["errors"]["file"][0] in res.json["message"]
    assert count(Material) == 0
    assert count(AuditEvent) == 1  # the round's creation only


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (zip_bytes({"readme.txt": b"hello", "photo.jpg": JPEG_BYTES}), "not an Office document"),
        (
            docx_bytes(types='<Types><Default Extension="xml" ContentType="application/xml"/></Types>'),
            "neither a Word",
        ),
        (
            docx_bytes(
                types=DOCX_TYPES.replace("officedocument.wordprocessingml.document.main+xml", "'x'").replace(
                    "openxmlformats-'x'", "ms-word.document.macroEnabled.main+xml"
                )
            ),
            "macro-enabled",
        ),
        (b"PK\x03\x04" + b"\0" * 60, "cannot be read"),
        (docx_bytes(extra={"../../evil.sh": b"#!/bin/sh"}), "unsafe member name"),
        (docx_bytes(extra={"/etc/cron.d/x": b"* * * * *"}), "unsafe member name"),
        (docx_bytes(extra={"word\\..\\..\\x": b"x"}), "unsafe member name"),
        (set_encrypted_flag(docx_bytes()), "encrypted"),
    ],
)
def test_zips_that_are_not_sound_office_files_are_refused(client, world, data, says):
    res = upload(client, world, data, "材料.docx")
    assert res.status_code == 422, res.json
    assert says in res.json["message"]
    assert count(Material) == 0


def test_a_zip_bomb_is_refused_quickly_without_being_extracted(client, world, monkeypatch):
    bomb = bomb_docx(110 * MB)  # about 100 KB, expands past the 100 MB default cap
    assert len(bomb) < 200 * 1024
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    started = time.perf_counter()
    res = upload(client, world, bomb, "bomb.docx")
    elapsed = time.perf_counter() - started
    assert res.status_code == 422 and "zip bomb" in res.json["message"], res.json
    assert "word/media/filler.bin" not in opened and opened == []
    assert elapsed < 2.0
    assert count(Material) == 0


def test_the_unzipped_size_cap_is_configurable(client, world, monkeypatch):
    import os

    random_text = os.urandom(3 * MB // 4).hex().encode()  # 1.5 MB that barely compresses
    data = docx_bytes(extra={"word/media/data.bin": random_text})
    monkeypatch.setitem(client.application.config, "MAX_UNZIPPED_MB", 1)
    res = upload(client, world, data, "大文件.docx")
    assert res.status_code == 422 and "more than 1 MB when unzipped" in res.json["message"], res.json
    monkeypatch.setitem(client.application.config, "MAX_UNZIPPED_MB", 2)
    assert upload(client, world, data, "大文件.docx").status_code == 201


def test_an_entry_with_an_absurd_compression_ratio_is_refused(client, world):
    data = bomb_docx(4 * MB)  # 4 MB of zeros: far below the size cap, but ~1000:1
    res = upload(client, world, data, "ratio.docx")
    assert res.status_code == 422 and "compresses more than" in res.json["message"], res.json


@pytest.mark.parametrize(
    ("offset", "value"),
    [
        (16, b"\0\0\0\0"),  # CRC-32 of the last central-directory entry (word/document.xml)
        (24, struct.pack("<I", 10)),  # its uncompressed size: 10 bytes, a lie
    ],
)
def test_an_entry_that_lies_about_its_checksum_or_size_is_refused(client, world, offset, value):
    data = bytearray(docx_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + offset : central + offset + 4] = value
    res = upload(client, world, bytes(data), "damaged.docx")
    assert res.status_code == 422 and "damaged" in res.json["message"], res.json


# --------------------------------------------------------------------------- size limit


def test_an_upload_over_the_request_limit_gets_413_in_the_envelope(client, world, monkeypatch):
    monkeypatch.setitem(client.application.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(client.application.config, "MAX_CONTENT_LENGTH", MB + 64 * 1024)
    res = upload(client, world, PDF_BYTES + b"\0" * (2 * MB), "big.pdf")
    assert res.status_code == 413
    assert res.json == {
        "code": 413,
        "status": "Request Entity Too Large",
        "message": "The upload is larger than the 1 MB limit.",
    }
    assert count(Material) == 0


def test_a_file_just_over_the_limit_is_caught_by_the_explicit_check(client, world, monkeypatch):
    monkeypatch.setitem(client.application.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(client.application.config, "MAX_CONTENT_LENGTH", MB + 64 * 1024)
    over = PDF_BYTES + b"\0" * (MB + 1 - len(PDF_BYTES))  # the request itself is under the limit
    res = upload(client, world, over, "big.pdf")
    assert res.status_code == 413
    assert res.json["message"] == "The upload is larger than the 1 MB limit."
    exactly = PDF_BYTES + b"\0" * (MB - len(PDF_BYTES))
    assert upload(client, world, exactly, "ok.pdf").status_code == 201


def test_the_default_limit_is_20_mb(app):
    assert app.config["MAX_UPLOAD_MB"] == 20
    assert app.config["MAX_CONTENT_LENGTH"] > 20 * MB


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("../../etc/passwd", PDF, "passwd.pdf"),
        ("C:\\evil\\x.pdf", PDF, "x.pdf"),
        ("C:x.pdf", PDF, "x.pdf"),
        ("a\nb\x00c\r.pdf", PDF, "abc.pdf"),
        ("报告\u202efdp.exe", PDF, "报告fdp.pdf"),  # right-to-left override removed, .exe replaced
        ('a<b>:"c"|?*.pdf', PDF, "a_b___c____.pdf"),
        ("...", PNG, "material.png"),
        ("", JPEG, "material.jpg"),
        (None, DOCX, "material.docx"),
        ("  spaced   out  .xlsx ", XLSX, "spaced out.xlsx"),
        ("photo.JPEG", JPEG, "photo.JPEG"),
    ],
)
def test_display_filenames_are_safe(raw, kind, expected):
    assert display_filename(raw, kind) == expected


def test_very_long_chinese_names_are_cut_but_keep_their_extension():
    long_stem = "关于社区治理创新实验区建设情况的报告" * 20
    name = display_filename(long_stem + ".pdf", PDF)
    assert name == long_stem[:116] + ".pdf" and len(name) == 120


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        (b'filename="../../etc/passwd"', "passwd.pdf"),
        (b"filename*=UTF-8''C%3A%5Cevil%5Cx.pdf", "x.pdf"),
        (b"filename*=UTF-8''..%2F..%2F%E6%9D%90%E6%96%99%0A%00.pdf", "材料.pdf"),
        (b"filename*=UTF-8''a%0D%0AContent-Type%3A%20text%2Fhtml.pdf", "html.pdf"),
        (b"filename*=UTF-8''a%0D%0AX-Evil%3A%201.pdf", "aX-Evil_ 1.pdf"),
    ],
)
def test_hostile_names_in_the_request_are_stored_safely(client, world, app, disposition, expected):
    res = raw_upload(client, world, disposition)
    assert res.status_code == 201, res.json
    assert res.json["filename"] == expected
    root = Path(app.config["MATERIALS_DIR"])
    stored = [p for p in root.rglob("*") if p.is_file()]
    sha = res.json["sha256"]
    assert stored == [root / sha[:2] / sha[2:4] / sha]
    download = fetch(client, f"/api/v1/materials/{res.json['id']}", world.owner)
    assert "\n" not in download.headers["Content-Disposition"]
    assert "\r" not in download.headers["Content-Disposition"]


def test_long_chinese_name_through_the_api(client, world):
    res = upload(client, world, PDF_BYTES, "成都市武侯区玉林街道社区治理" * 30 + ".pdf")
    assert res.status_code == 201
    assert len(res.json["filename"]) == 120 and res.json["filename"].endswith(".pdf")


# --------------------------------------------------------------------------- roles and states


def test_who_may_upload(client, world):
    assert upload(client, world, PDF_BYTES, headers={}).status_code == 401
    res = upload(client, world, PDF_BYTES, headers=world.other)  # another organisation's: not found
    assert res.status_code == 404 and res.json["code"] == 404
    assert upload(client, world, PDF_BYTES, headers=world.admin).status_code == 403
    assert upload(client, world, PDF_BYTES, headers=world.reviewer).status_code == 403
    assert count(Material) == 0
    assert upload(client, world, PDF_BYTES).status_code == 201
    missing = client.post(
        "/api/v1/applications/999999/materials",
        headers=world.owner,
        data={"file": (io.BytesIO(PDF_BYTES), "a.pdf")},
    )
    assert missing.status_code == 404


def test_who_may_download_and_list(client, world):
    mid = upload(client, world, PDF_BYTES, "a.pdf").json["id"]
    url = f"/api/v1/materials/{mid}"
    assert fetch(client, url).status_code == 401
    assert fetch(client, url, world.other).status_code == 404  # outside their scope: not found
    assert fetch(client, url, world.reviewer).status_code == 404  # not assigned to it
    assert fetch(client, url, world.owner).data == PDF_BYTES
    assert fetch(client, url, world.admin).data == PDF_BYTES
    assert client.get("/api/v1/materials/999999", headers=world.admin).status_code == 404
    assert client.get("/api/v1/materials/999999").status_code == 401  # anonymous callers cannot probe ids
    assert client.get("/api/v1/applications/999999/evidence").status_code == 401
    assert client.get(world.url).status_code == 401
    assert client.get(world.url, headers=world.other).status_code == 404
    listed = client.get(world.url, headers=world.admin)
    assert listed.status_code == 200 and [m["id"] for m in listed.json] == [mid]
    assert set(listed.json[0]) >= {
        "id",
        "filename",
        "content_type",
        "size",
        "sha256",
        "indicator_id",
        "material_key",
        "created_at",
    }


@pytest.mark.parametrize(
    ("phase", "status", "says"),
    [
        ("draft", "draft", "not open"),
        ("review", "draft", "not open"),
        ("open", "submitted", "draft"),
        ("open", "withdrawn", "draft"),
    ],
)
def test_uploads_need_a_draft_application_in_an_open_round(client, world, phase, status, says):
    world.round.phase = phase
    world.application.status = status
    db.session.commit()
    res = upload(client, world, PDF_BYTES)
    assert res.status_code == 409 and says in res.json["message"], res.json
    assert count(Material) == 0


def test_uploads_stop_at_the_submission_deadline(client, world):
    from datetime import UTC, datetime, timedelta

    world.round.submission_deadline = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    res = upload(client, world, PDF_BYTES)
    assert res.status_code == 409 and "deadline" in res.json["message"]


# --------------------------------------------------------------------------- download


def test_download_headers_are_exact(client, world):
    mid = upload(client, world, PDF_BYTES, "社区党组织设置.pdf").json["id"]
    res = fetch(client, f"/api/v1/materials/{mid}", world.owner)
    assert res.status_code == 200 and res.data == PDF_BYTES
    assert res.headers["Content-Type"] == "application/pdf"
    assert res.headers["Content-Length"] == str(len(PDF_BYTES))
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Content-Disposition"] == (
        f'attachment; filename="material-{mid}.pdf"; '
        "filename*=UTF-8''%E7%A4%BE%E5%8C%BA%E5%85%9A%E7%BB%84%E7%BB%87%E8%AE%BE%E7%BD%AE.pdf"
    )
    assert res.headers["Cache-Control"] == "private, no-store"
    assert res.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert res.headers["ETag"] == f'"{hashlib.sha256(PDF_BYTES).hexdigest()}"'
    mid = upload(client, world, png_bytes(), "floor plan.png").json["id"]
    res = fetch(client, f"/api/v1/materials/{mid}", world.admin)
    assert res.headers["Content-Type"] == "image/png"
    assert res.headers["Content-Disposition"] == 'attachment; filename="floor plan.png"'


# --------------------------------------------------------------------------- dedup and delete


def test_identical_uploads_share_one_blob_until_the_last_is_deleted(client, world, app):
    first = upload(client, world, docx_bytes(), "一.docx").json
    second = upload(client, world, docx_bytes(), "二.docx").json
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    storage = get_storage(app)
    assert isinstance(storage, LocalStorage)
    root = Path(app.config["MATERIALS_DIR"])
    assert len([p for p in root.rglob("*") if p.is_file()]) == 1
    assert client.delete(f"/api/v1/materials/{first['id']}", headers=world.owner).status_code == 204
    assert storage.exists(first["sha256"])  # still used by the second
    assert fetch(client, f"/api/v1/materials/{second['id']}", world.owner).status_code == 200
    assert client.delete(f"/api/v1/materials/{second['id']}", headers=world.owner).status_code == 204
    assert not storage.exists(first["sha256"])
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "material.deleted").order_by(AuditEvent.id)
    ).all()
    assert [e.summary["filename"] for e in events] == ["一.docx", "二.docx"]
    assert {e.summary["sha256"] for e in events} == {first["sha256"]}
    assert events[0].summary["size"] == first["size"]
    assert count(Material) == 0


def test_who_may_delete_and_when(client, world):
    mid = upload(client, world, PDF_BYTES).json["id"]
    url = f"/api/v1/materials/{mid}"
    assert client.delete(url).status_code == 401
    assert client.delete(url, headers=world.other).status_code == 404
    assert client.delete(url, headers=world.admin).status_code == 403
    world.application.status = "submitted"
    db.session.commit()
    res = client.delete(url, headers=world.owner)
    assert res.status_code == 409
    assert db.session.get(Material, mid) is not None
    assert get_storage(client.application).exists(db.session.get(Material, mid).sha256)
    assert count(AuditEvent) == 2  # round created, material uploaded
    assert client.delete("/api/v1/materials/999999", headers=world.owner).status_code == 404


def test_a_failed_database_step_leaves_no_row(client, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service.audit, "record", broken)
    res = upload(client, world, xlsx_bytes(), "名册.xlsx")
    assert res.status_code == 500 and res.json["code"] == 500
    assert count(Material) == 0 and count(AuditEvent) == 1


def test_a_failed_storage_step_leaves_no_row(client, world, monkeypatch):
    def broken(self, data, sha256):
        raise OSError("disk full")

    monkeypatch.setattr(LocalStorage, "put", broken)
    res = upload(client, world, PDF_BYTES)
    assert res.status_code == 500
    assert count(Material) == 0 and count(AuditEvent) == 1


def test_a_failed_delete_keeps_the_blob(client, world, monkeypatch):
    mid = upload(client, world, PDF_BYTES).json["id"]
    sha = db.session.get(Material, mid).sha256
    real_record = service.audit.record

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service.audit, "record", broken)
    assert client.delete(f"/api/v1/materials/{mid}", headers=world.owner).status_code == 500
    monkeypatch.setattr(service.audit, "record", real_record)
    assert db.session.get(Material, mid) is not None
    # The blob scheduled for removal was forgotten with the rollback: a later commit keeps it.
    assert upload(client, world, png_bytes()).status_code == 201
    assert get_storage(client.application).exists(sha)
    assert fetch(client, f"/api/v1/materials/{mid}", world.owner).data == PDF_BYTES


# --------------------------------------------------------------------------- indicators and checklist


def test_indicator_and_material_key_are_checked_against_the_criteria(client, world):
    res = upload(client, world, PDF_BYTES, indicator_id="no_such_indicator")
    assert res.status_code == 422 and "indicator_id" in res.json["errors"]
    res = upload(client, world, PDF_BYTES, indicator_id="basic")  # a section, not a leaf
    assert res.status_code == 422 and "leaf" in res.json["message"]
    res = upload(client, world, PDF_BYTES, material_key="tax_returns")
    assert res.status_code == 422 and "catalogue" in res.json["message"]
    res = upload(client, world, PDF_BYTES, indicator_id="basic_party_work", material_key="honours")
    assert res.status_code == 422
    assert res.json["message"] == (  # named as people read them, never by their keys
        "The indicator 'Community party organisation' does not ask for 'Honour certificates or decisions'."
    )
    assert res.json["errors"]["material_key"] == [
        "This indicator asks for: Community and compound party organisations."
    ]
    res = upload(client, world, PDF_BYTES, unexpected="x")
    assert res.status_code == 422 and "unexpected" in res.json["errors"]["files"]
    res = client.post(
        world.url, headers=world.owner, data={"file": "not a file part"}, content_type="multipart/form-data"
    )
    assert res.status_code == 422 and "file" in res.json["errors"]["files"]
    assert count(Material) == 0
    res = upload(client, world, PDF_BYTES, indicator_id="basic_party_work", material_key="party_building")
    assert res.status_code == 201
    assert (res.json["indicator_id"], res.json["material_key"]) == ("basic_party_work", "party_building")
    res = upload(client, world, PDF_BYTES, indicator_id="basic_workers_ratio", material_key="")
    assert res.json["material_key"] == "staff_roster"  # the only kind that indicator asks for
    res = upload(client, world, PDF_BYTES, indicator_id="feature_ecology")
    assert res.json["material_key"] is None  # two kinds asked for: not guessed


def test_the_evidence_checklist_before_and_after_uploads(client, world):
    url = f"/api/v1/applications/{world.application.id}/evidence"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=world.other).status_code == 404
    before = client.get(url, headers=world.owner)
    assert before.status_code == 200, before.json
    cs = fc_2026()
    summary = before.json["summary"]
    required = sum(len(leaf.evidence) for leaf in cs.leaves)
    assert summary["indicators"] == len(cs.leaves) and summary["required"] == required
    assert summary["present"] == 0 and summary["missing"] == required and summary["complete"] is False
    assert summary["missing_keys"] == sorted({k for leaf in cs.leaves for k in leaf.evidence})
    party = next(i for i in before.json["indicators"] if i["indicator_id"] == "basic_party_work")
    assert party["materials"] == [
        {
            "material_key": "party_building",
            "name": "社区党组织及小区党组织设置材料",
            "name_en": "Community and compound party organisations",
            "present": False,
            "files": [],
        }
    ]

    # A file counts for every indicator asking for its kind of material, whichever it was uploaded
    # for: the untied party_building for both indicators asking for it, the feature_plan uploaded
    # for feature_ecology for every indicator asking for a feature_plan.
    untied = upload(client, world, PDF_BYTES, "党组织.pdf", material_key="party_building").json
    tied = upload(
        client, world, png_bytes(), "方案.png", indicator_id="feature_ecology", material_key="feature_plan"
    ).json
    loose = upload(client, world, JPEG_BYTES, "其他.jpg").json
    after = client.get(url, headers=world.admin).json
    by_id = {i["indicator_id"]: i for i in after["indicators"]}
    for leaf_id in ("basic_party_work", "basic_compound_party_coverage"):
        item = by_id[leaf_id]["materials"][0]
        assert item["present"] is True and by_id[leaf_id]["complete"] is True
        assert item["files"] == [{"id": untied["id"], "filename": "党组织.pdf", "indicator_id": None}]
    ecology = {m["material_key"]: m for m in by_id["feature_ecology"]["materials"]}
    assert ecology["feature_plan"]["present"] is True
    assert ecology["photos_before_after"]["present"] is False
    assert by_id["feature_ecology"]["complete"] is False
    asking = [leaf for leaf in cs.leaves if "feature_plan" in leaf.evidence]
    assert len(asking) > 1 and "feature_culture" in {leaf.id for leaf in asking}
    for leaf in asking:
        plan = next(m for m in by_id[leaf.id]["materials"] if m["material_key"] == "feature_plan")
        assert plan["present"] is True and plan["files"] == [
            {"id": tied["id"], "filename": "方案.png", "indicator_id": "feature_ecology"}
        ]
    present = 2 + len(asking)
    assert after["summary"]["present"] == present
    assert after["summary"]["missing"] == required - present
    complete = 2 + sum(leaf.evidence == ("feature_plan",) for leaf in asking)
    assert after["summary"]["indicators_complete"] == complete
    assert "party_building" not in after["summary"]["missing_keys"]
    assert "feature_plan" not in after["summary"]["missing_keys"]
    assert after["untagged_files"] == [{"id": loose["id"], "filename": "其他.jpg", "indicator_id": None}]
    assert {
        "indicator_id": "feature_ecology",
        "indicator_name": by_id["feature_ecology"]["name"],
        "material_key": "photos_before_after",
        "name": ecology["photos_before_after"]["name"],
        "name_en": ecology["photos_before_after"]["name_en"],
    } in after["summary"]["missing_items"]
    assert ecology["feature_plan"]["files"] == [
        {"id": tied["id"], "filename": "方案.png", "indicator_id": "feature_ecology"}
    ]
