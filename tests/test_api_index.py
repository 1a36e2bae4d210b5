"""The API's index at ``/api/v1/``: the address the start script prints answers, for anyone, with the
API's name, version and the addresses of its documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1"])
def test_the_index_names_the_api_and_its_documents(client, path):
    res = client.get(path)  # anonymous: like the docs page and the OpenAPI document
    assert res.status_code == 200 and res.mimetype == "application/json"
    assert res.json == {
        "name": "Pilot-zone evaluator",
        "title": "Sichuan community governance pilot units",
        "version": "v1",
        "docs": "/api/v1/docs",
        "openapi": "/api/v1/openapi.json",
        "sign_in": "/api/v1/auth/token",
    }


def test_its_links_lead_to_the_documents(client):
    index = client.get("/api/v1/").json
    docs = client.get(index["docs"])
    assert docs.status_code == 200 and docs.mimetype == "text/html"
    document = client.get(index["openapi"]).json
    assert document["info"] == {"title": index["name"], "version": index["version"]}
    assert document["paths"]["/api/v1/"]["get"]["responses"]["200"]["content"]["application/json"]
    res = client.post(index["sign_in"], json={"username": "nobody", "password": "wrong password"})
    assert res.status_code == 401


def test_the_title_is_in_the_readers_language(app):
    chinese = app.test_client().get("/api/v1/", headers={"Accept-Language": "zh-CN,zh"}).json
    assert chinese["title"] == "四川省城乡社区发展治理试点单位评审系统"
    assert chinese["name"] == "Pilot-zone evaluator"  # a name, never translated


def test_every_api_address_the_start_script_prints_answers(client):
    text = (ROOT / "scripts/start.sh").read_text(encoding="utf-8")
    paths = re.findall(r"http://127\.0\.0\.1:\$\{port\}(/api/[^\s)\"]*)", text)
    paths += re.findall(r"(/api/v1/[a-z.]+)", text)
    assert "/api/v1/" in paths and "/api/v1/docs" in paths and "/api/v1/openapi.json" in paths
    for path in paths:
        res = client.get(path)
        assert res.status_code == 200, (path, res.status_code)
