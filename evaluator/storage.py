"""Where uploaded materials live: a content-addressed blob store (local folder or S3-compatible).

A blob's key is the SHA-256 of its content (64 lowercase hex digits), so identical uploads are
stored once and a key can never name anything but the content it was made from. Client filenames
never reach a path or an object key. ``get_storage(app)`` picks the backend from ``STORAGE_BACKEND``:

- ``local`` (default): ``MATERIALS_DIR/ab/cd/<sha256>``, written to a temporary file in the same
  folder and moved into place with ``os.replace`` (atomic), so a reader never sees half a file.
- ``s3``: one object per blob, named by its SHA-256, in ``S3_BUCKET`` at ``S3_ENDPOINT_URL`` (any
  S3-compatible service; empty means AWS) in ``S3_REGION``; the bucket is created on first use.
  Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` … environment variables, profile).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any

from flask import Flask

from evaluator.messages import msg

KEY = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024

Data = bytes | IO[bytes]


class StorageError(Exception):
    """A blob could not be stored or read."""


class BlobMissingError(StorageError):
    """No blob is stored under the key."""


class BlobIntegrityError(StorageError):
    """The content does not hash to the SHA-256 it was offered under."""


def check_key(key: str) -> str:
    """The key if it is a SHA-256 in lowercase hex, else ValueError (keys become paths)."""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise ValueError(f"not a SHA-256 key: {key!r}")
    return key


def _chunks(data: Data):
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
        return
    while chunk := data.read(CHUNK):
        yield chunk


class Storage(ABC):
    """A content-addressed blob store: ``put`` by SHA-256, then ``open``/``get``, ``exists``, ``delete``."""

    @abstractmethod
    def put(self, data: Data, sha256: str) -> str:
        """Store the content (bytes or a binary stream) under its SHA-256 and return the key.

        Storing content that is already there writes nothing. The content is hashed while it is
        written; BlobIntegrityError when it does not match ``sha256`` (nothing is kept then).
        """

    @abstractmethod
    def open(self, key: str) -> IO[bytes]:
        """A binary stream of the blob (the caller closes it); BlobMissingError when there is none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a blob is stored under the key."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; removing a missing blob is not an error."""

    def get(self, key: str) -> bytes:
        """The blob's whole content."""
        with self.open(key) as stream:
            return stream.read()


class LocalStorage(Storage):
    """Blobs in a folder, sharded ``ab/cd/<sha256>`` so no folder grows too large."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where the blob with this key lives (whether or not it exists)."""
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: Data, sha256: str) -> str:
        """Store the content atomically (temporary file, fsync, ``os.replace``); see Storage.put."""
        target = self.path(sha256)
        if target.is_file():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(data):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256:
                raise BlobIntegrityError(f"content hashes to {digest.hexdigest()}, not {sha256}")
            os.chmod(tmp, 0o640)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256

    def open(self, key: str) -> IO[bytes]:
        """The blob's file, opened for reading."""
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise BlobMissingError(key) from None

    def exists(self, key: str) -> bool:
        """Whether the blob's file is there."""
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the blob's file (the empty shard folders stay)."""
        self.path(key).unlink(missing_ok=True)


class S3Storage(Storage):
    """Blobs as objects in an S3-compatible bucket, one object per SHA-256."""

    def __init__(
        self, bucket: str, endpoint_url: str | None = None, region: str | None = None, client: Any = None
    ):
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.region = region or None
        self._client = client
        self._bucket_ready = False
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The boto3 S3 client (created on first use)."""
        if self._client is None:
            import boto3
            from botocore.config import Config

            # Path-style addressing for custom endpoints (MinIO, Ceph, moto ...): no DNS per bucket.
            config = Config(s3={"addressing_style": "path"}) if self.endpoint_url else None
            self._client = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
            )
        return self._client

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        from botocore.exceptions import ClientError

        with self._lock:
            if self._bucket_ready:
                return
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                    raise
                kwargs: dict[str, Any] = {"Bucket": self.bucket}
                if self.region and self.region != "us-east-1":
                    kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
                try:
                    self.client.create_bucket(**kwargs)
                except ClientError as create_exc:
                    code = create_exc.response.get("Error", {}).get("Code")
                    if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            self._bucket_ready = True

    def put(self, data: Data, sha256: str) -> str:
        """Upload the content unless an object with its SHA-256 is already there; see Storage.put."""
        check_key(sha256)
        self._ensure_bucket()
        if self.exists(sha256):
            return sha256
        if not isinstance(data, bytes | bytearray | memoryview):
            data = b"".join(_chunks(data))  # uploads are capped (MAX_UPLOAD_MB), so this is bounded
        body = bytes(data)
        actual = hashlib.sha256(body).hexdigest()
        if actual != sha256:
            raise BlobIntegrityError(f"content hashes to {actual}, not {sha256}")
        self.client.put_object(
            Bucket=self.bucket, Key=sha256, Body=body, ContentType="application/octet-stream"
        )
        return sha256

    def open(self, key: str) -> IO[bytes]:
        """The object's body as a stream."""
        from botocore.exceptions import ClientError

        check_key(key)
        self._ensure_bucket()
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise BlobMissingError(key) from None
            raise
        return response["Body"]

    def get(self, key: str) -> bytes:
        """The object's whole content."""
        body = self.open(key)
        try:
            return body.read()
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        """Whether the object is there (HEAD request)."""
        from botocore.exceptions import ClientError

        check_key(key)
        self._ensure_bucket()
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        """Remove the object (S3 treats a missing object as deleted)."""
        check_key(key)
        self._ensure_bucket()
        self.client.delete_object(Bucket=self.bucket, Key=key)


def _settings(app: Flask) -> tuple[str, ...]:
    c = app.config
    return (
        str(c.get("STORAGE_BACKEND", "local")).lower(),
        str(c.get("MATERIALS_DIR", "")),
        str(c.get("S3_BUCKET", "")),
        str(c.get("S3_ENDPOINT_URL") or ""),
        str(c.get("S3_REGION") or ""),
    )


def get_storage(app: Flask) -> Storage:
    """The app's storage backend, built from its settings (and rebuilt if they change)."""
    settings = _settings(app)
    cached = app.extensions.get("evaluator.storage")
    if cached is not None and cached[0] == settings:
        return cached[1]
    backend, folder, bucket, endpoint, region = settings
    if backend == "local":
        if not folder:
            raise StorageError(msg("MATERIALS_DIR is empty; set it to the folder for uploaded materials."))
        storage: Storage = LocalStorage(folder)
    elif backend == "s3":
        if not bucket:
            raise StorageError(msg("S3_BUCKET is empty; set it when STORAGE_BACKEND is 's3'."))
        storage = S3Storage(bucket, endpoint or None, region or None)
    else:
        raise StorageError(
            msg("Unknown STORAGE_BACKEND %(backend)s: use 'local' or 's3'.", backend=repr(backend))
        )
    app.extensions["evaluator.storage"] = (settings, storage)
    return storage
