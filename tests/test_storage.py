"""The blob stores: the local folder, and S3 against a real S3 API on localhost (moto's server mode)."""

from __future__ import annotations

import hashlib
import io
import os
import socket

import boto3
import pytest
from botocore.config import Config

from evaluator.storage import (
    BlobIntegrityError,
    BlobMissingError,
    LocalStorage,
    S3Storage,
    StorageError,
    get_storage,
)
from tests.test_materials import docx_bytes, fetch, png_bytes, upload, world

__all__ = ["world"]  # a fixture shared with test_materials

DATA = b"%PDF-1.7\n" + "四川省社区治理".encode() * 100
SHA = hashlib.sha256(DATA).hexdigest()


# --------------------------------------------------------------------------- local folder


def test_local_put_is_content_addressed_and_sharded(tmp_path):
    store = LocalStorage(tmp_path)
    assert store.put(DATA, SHA) == SHA
    path = tmp_path / SHA[:2] / SHA[2:4] / SHA
    assert path.read_bytes() == DATA
    assert store.exists(SHA) and store.get(SHA) == DATA
    with store.open(SHA) as stream:
        assert stream.read(9) == b"%PDF-1.7\n"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]  # no temporary file left


def test_local_put_accepts_a_stream_and_stores_identical_content_once(tmp_path):
    store = LocalStorage(tmp_path)
    store.put(io.BytesIO(DATA), SHA)
    mtime = (tmp_path / SHA[:2] / SHA[2:4] / SHA).stat().st_mtime_ns
    store.put(DATA, SHA)
    assert (tmp_path / SHA[:2] / SHA[2:4] / SHA).stat().st_mtime_ns == mtime  # not rewritten
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_local_put_refuses_content_that_does_not_match_its_hash(tmp_path):
    store = LocalStorage(tmp_path)
    with pytest.raises(BlobIntegrityError):
        store.put(DATA + b"x", SHA)
    assert not store.exists(SHA)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_local_write_failure_leaves_no_partial_file(tmp_path):
    class Exploding(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 0:
                raise OSError("connection reset")
            return super().read(4)

    store = LocalStorage(tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        store.put(Exploding(DATA), SHA)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("key", ["../../etc/passwd", SHA.upper(), SHA[:-1], SHA + "0", "", "ab/cd"])
def test_keys_must_be_sha256_hex(tmp_path, key):
    store = LocalStorage(tmp_path)
    with pytest.raises(ValueError, match="not a SHA-256 key"):
        store.exists(key)
    with pytest.raises(ValueError, match="not a SHA-256 key"):
        store.put(DATA, key)


def test_local_delete_and_missing_blobs(tmp_path):
    store = LocalStorage(tmp_path)
    store.put(DATA, SHA)
    store.delete(SHA)
    assert not store.exists(SHA)
    store.delete(SHA)  # deleting twice is fine
    with pytest.raises(BlobMissingError):
        store.open(SHA)


def test_get_storage_follows_the_settings(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "local")
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path))
    store = get_storage(app)
    assert isinstance(store, LocalStorage) and store.root == tmp_path
    assert get_storage(app) is store
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", "http://127.0.0.1:9")
    s3 = get_storage(app)
    assert isinstance(s3, S3Storage) and s3.bucket == app.config["S3_BUCKET"]
    assert s3.endpoint_url == "http://127.0.0.1:9" and s3.region == "us-east-1"
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "ftp")
    with pytest.raises(StorageError, match="Unknown STORAGE_BACKEND"):
        get_storage(app)


# --------------------------------------------------------------------------- S3 (moto server)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    """A real S3 API on 127.0.0.1 (moto's threaded server), stopped after the module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch, moto_endpoint):
    """Dummy credentials, no proxy for localhost, and a client to look into the bucket."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return boto3.session.Session().client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def _bucket_names(client) -> set[str]:
    return {b["Name"] for b in client.list_buckets()["Buckets"]}


def test_s3_storage_creates_its_bucket_and_round_trips(s3_env, moto_endpoint):
    bucket = f"unit-{os.urandom(4).hex()}"
    store = S3Storage(bucket, moto_endpoint, "us-east-1")
    assert bucket not in _bucket_names(s3_env)
    assert not store.exists(SHA)
    assert bucket in _bucket_names(s3_env)  # created on first use
    assert store.put(io.BytesIO(DATA), SHA) == SHA
    assert s3_env.get_object(Bucket=bucket, Key=SHA)["Body"].read() == DATA
    assert store.exists(SHA) and store.get(SHA) == DATA
    with pytest.raises(BlobIntegrityError):
        store.put(b"other", hashlib.sha256(b"something else").hexdigest())
    store.delete(SHA)
    assert not store.exists(SHA)
    with pytest.raises(BlobMissingError):
        store.open(SHA)
    assert s3_env.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_s3_storage_in_another_region(s3_env, moto_endpoint):
    bucket = f"region-{os.urandom(4).hex()}"
    store = S3Storage(bucket, moto_endpoint, "eu-west-1")
    store.put(DATA, SHA)
    location = s3_env.get_bucket_location(Bucket=bucket)["LocationConstraint"]
    assert location == "eu-west-1"
    assert store.get(SHA) == DATA


@pytest.fixture
def s3_app(app, monkeypatch, s3_env, moto_endpoint):
    """The app switched to the S3 backend with a fresh bucket."""
    bucket = f"materials-{os.urandom(4).hex()}"
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setitem(app.config, "S3_BUCKET", bucket)
    monkeypatch.setitem(app.config, "S3_REGION", "us-east-1")
    return bucket


def test_upload_and_download_through_the_api_on_s3(client, s3_app, s3_env, world):
    local_root = client.application.config["MATERIALS_DIR"]
    res = upload(client, world, docx_bytes(), "社区议事记录.docx")
    assert res.status_code == 201, res.json
    sha = res.json["sha256"]
    assert isinstance(get_storage(client.application), S3Storage)
    head = s3_env.head_object(Bucket=s3_app, Key=sha)
    assert head["ContentLength"] == len(docx_bytes())
    assert s3_env.get_object(Bucket=s3_app, Key=sha)["Body"].read() == docx_bytes()
    assert not os.path.exists(local_root)  # nothing went to the local folder

    again = upload(client, world, docx_bytes(), "副本.docx")  # same content: the same object
    assert again.json["sha256"] == sha
    assert s3_env.list_objects_v2(Bucket=s3_app)["KeyCount"] == 1

    download = fetch(client, f"/api/v1/materials/{res.json['id']}", world.owner)
    assert download.status_code == 200 and download.data == docx_bytes()
    assert download.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    png = upload(client, world, png_bytes(), "图.png").json
    assert client.delete(f"/api/v1/materials/{png['id']}", headers=world.owner).status_code == 204
    keys = {o["Key"] for o in s3_env.list_objects_v2(Bucket=s3_app)["Contents"]}
    assert keys == {sha}  # the PNG's object went with its only material
    assert fetch(client, f"/api/v1/materials/{again.json['id']}", world.admin).data == docx_bytes()
