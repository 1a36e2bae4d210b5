"""Messages in one language per response: Chinese by default, English on request; complete catalogs."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from marshmallow import Schema, ValidationError, fields, validate

from evaluator.i18n import VALIDATION_TEMPLATES, localise
from evaluator.messages import msg

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "evaluator" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]|\{(\w+)\}")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Every message the code and templates hold, extracted afresh."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from babel.messages.frontend import main; main()",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "msg",
            "-k",
            "N_",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    with pot.open("rb") as f:
        return read_po(f)


def placeholders(text: str | tuple | list) -> set[str]:
    """The placeholders of a message, or of all forms of a plural one (singular, plural …)."""
    if isinstance(text, tuple | list):
        return set().union(*(placeholders(t) for t in text))
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_every_message_has_a_chinese_translation(extracted):
    with CATALOG.open("rb") as f:
        zh = read_po(f, locale="zh")
    missing, fuzzy, mismatched = [], [], []
    for message in extracted:
        if not message.id:
            continue
        entry = zh.get(message.id)
        if entry is None or not entry.string or not all(entry.string):  # every plural form too
            missing.append(message.id)
        elif entry.fuzzy:
            fuzzy.append(message.id)
        elif placeholders(entry.string) != placeholders(message.id):
            mismatched.append((message.id, entry.string))
    assert not missing, f"{len(missing)} messages lack a translation (scripts/i18n.sh): {missing[:20]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:20]}"
    assert not mismatched, f"translations with other placeholders than their message: {mismatched[:10]}"


def test_a_message_is_english_text_that_remembers_its_template():
    m = msg("No round %(id)s.", id=7)
    assert m == "No round 7." and m.template == "No round %(id)s." and m.params == {"id": 7}
    assert msg("Unknown keys: %(keys)s.", keys=["a", "b"]) == "Unknown keys: a, b."
    again = pickle.loads(pickle.dumps(m))
    assert again == m and again.template == m.template


def _validation_messages(data) -> dict:
    class S(Schema):
        n = fields.Integer(required=True, validate=validate.Range(min=1, max=9))
        s = fields.String(validate=validate.Length(max=3))
        c = fields.String(validate=validate.OneOf(["a", "b"]))

    try:
        S().load(data)
    except ValidationError as exc:
        return exc.messages
    return {}


def test_validation_library_messages_are_translated(app):
    errors = _validation_messages({"n": 10, "s": "long", "c": "x", "extra": 1})
    from flask_babel import refresh

    with app.test_request_context(headers={"Accept-Language": "zh-CN,zh;q=0.9"}):
        refresh()
        zh = localise(errors)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        en = localise(errors)
    assert en == errors  # English is the source language
    for key in ("n", "s", "c", "extra"):
        text = zh[key][0]
        assert re.search(r"[\u4e00-\u9fff]", text), (key, text)
        assert text != errors[key][0]
    assert "1" in zh["n"][0] and "9" in zh["n"][0]  # the values survive translation


def test_every_template_matches_what_the_library_says():
    class S(Schema):
        n = fields.Integer(validate=validate.Range(min=1, max=9))

    try:
        S().load({"n": 0})
    except ValidationError as exc:
        said = exc.messages["n"][0]
    assert "Must be greater than or equal to {min} and less than or equal to {max}." in VALIDATION_TEMPLATES
    assert said == "Must be greater than or equal to 1 and less than or equal to 9."


def test_api_errors_speak_chinese_by_default_and_english_on_request(app):
    client = app.test_client()
    zh = client.get("/api/v1/rounds/999")
    en = client.get("/api/v1/rounds/999", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert zh.status_code == en.status_code == 401
    assert re.search(r"[\u4e00-\u9fff]", zh.json["message"]), zh.json
    assert not re.search(r"[\u4e00-\u9fff]", en.json["message"]), en.json
    assert "\\u" not in zh.get_data(as_text=True)  # Chinese as is, not escaped


def test_field_errors_follow_the_same_language(app, make_user):
    client = app.test_client()
    _, admin = make_user("admin")
    zh = client.post("/api/v1/users", headers=admin, json={"username": "ab"})
    en = client.post("/api/v1/users", headers={**admin, "Accept-Language": "en"}, json={"username": "ab"})
    assert zh.status_code == en.status_code == 422
    assert set(zh.json["errors"]) == set(en.json["errors"])  # field names are never translated

    def texts(node):
        if isinstance(node, dict):
            for v in node.values():
                yield from texts(v)
        elif isinstance(node, list):
            for v in node:
                yield from texts(v)
        else:
            yield str(node)

    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in texts(zh.json["errors"])), zh.json
    assert not any(re.search(r"[\u4e00-\u9fff]", t) for t in texts(en.json["errors"])), en.json


def test_a_broken_chain_is_explained_in_the_readers_language(app, make_user):
    from sqlalchemy import text

    from evaluator.audit import service as audit
    from evaluator.extensions import db

    client = app.test_client()
    _, admin = make_user("admin")
    first = audit.record(None, "demo.loaded", "demo", None, {"applicants": 1})
    db.session.commit()
    db.session.execute(text("UPDATE audit_event SET action = 'forged' WHERE id = :id"), {"id": first.id})
    db.session.commit()
    zh = client.get("/api/v1/audit/verify", headers=admin).json
    en = client.get("/api/v1/audit/verify", headers={**admin, "Accept-Language": "en"}).json
    assert zh["ok"] is False and en["ok"] is False and zh["broken_at"] == en["broken_at"]
    assert re.search(r"[\u4e00-\u9fff]", zh["reason"]) and not re.search(r"[\u4e00-\u9fff]", en["reason"])
