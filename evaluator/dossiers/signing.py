"""The office's PAdES signature on every dossier (pyHanko), and its validation.

The key and certificate are PEM files named by the settings ``DOSSIER_SIGNING_KEY`` and
``DOSSIER_SIGNING_CERT``. Without them a self-made certificate, kept in the instance folder
(``dossier-signing/``), serves the demo and the tests: readers show the signature and that the
document was not changed, and call the signer unknown until its certificate is trusted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():  # pyHanko imports cryptography's deprecated DSA names
    warnings.simplefilter("ignore")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

from evaluator.core import settings
from evaluator.errors import ServiceError
from evaluator.messages import N_, msg

OFFICE_NAME = "四川省民政厅 基层政权建设和社区治理处"
UNREADABLE = N_(
    "The dossiers cannot be signed: the office's signing key and its certificate must both be set "
    "and readable. The service's log says what is wrong."
)
FIELD = "OfficeSignature"
_SIGNERS: dict[tuple[str, str], signers.SimpleSigner] = {}
CMS_MARGIN = 2048
"""Bytes a signature's CMS container holds beyond its certificates (the signature value, the signed
attributes, the algorithm identifiers: about 700 for a 4096-bit RSA key)."""
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignatureReport:
    """What the validator says of a dossier's signature."""

    signed: bool
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # the certificate chains to the office's
    signer: str | None
    covers_whole_file: bool


def make_certificate(
    folder: Path,
    common_name: str = OFFICE_NAME,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    organisation: str = "四川省民政厅",
) -> tuple[Path, Path]:
    """A self-made ten-year certificate for signing with ``key`` (a new P-256 key by default),
    written as PEM into ``folder`` (key readable by the owner only); returns (key path, certificate
    path)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "office-key.pem", folder / "office-cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def key_files() -> tuple[str, str]:
    """The configured key and certificate, or the instance folder's self-made pair (made on first
    use) when neither is set; 503 when only one is."""
    key, cert = (
        settings.setting_or("DOSSIER_SIGNING_KEY", ""),
        settings.setting_or("DOSSIER_SIGNING_CERT", ""),
    )
    if key and cert:
        return str(key), str(cert)
    if key or cert:  # half a configuration: never sign with the demo's certificate instead
        log.error("DOSSIER_SIGNING_KEY and DOSSIER_SIGNING_CERT must be set together")
        raise ServiceError(503, msg(UNREADABLE))
    folder = Path(settings.instance_path()) / "dossier-signing"
    with _LOCK:
        if not (folder / "office-key.pem").exists():
            make_certificate(folder)
    return str(folder / "office-key.pem"), str(folder / "office-cert.pem")


def _signer() -> signers.SimpleSigner:
    files = key_files()
    with _LOCK:
        if files not in _SIGNERS:
            loaded = signers.SimpleSigner.load(*files)
            if loaded is None:  # pyHanko has logged why; not remembered, so a repaired file serves
                raise ServiceError(503, msg(UNREADABLE))
            _SIGNERS[files] = loaded
        return _SIGNERS[files]


def sign(pdf: bytes, reason: str, location: str = "四川省成都市") -> bytes:
    """The PDF with the office's PAdES signature appended (an incremental update).

    pyHanko signs through ``asyncio.run``, which refuses to run inside a thread that already runs an
    event loop (an asynchronous server, a test driving a browser): there, the signature is made on a
    thread of its own."""
    signer = _signer()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _signed(pdf, reason, location, signer)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-sign") as pool:
        return pool.submit(_signed, pdf, reason, location, signer).result()


def _signed(pdf: bytes, reason: str, location: str, signer: signers.SimpleSigner) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    # pyHanko rewrites the XMP metadata it does not recognise as its own, dropping the PDF/A
    # identification: hand it the document's metadata as its own kind of stream, which it updates
    # (modification date, producer) and keeps whole.
    original = writer.root["/Metadata"].get_object()
    writer.root["/Metadata"] = writer.add_object(MetadataStream(stream_data=original.data))
    writer.update_root()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=OFFICE_NAME,
    )
    out = signers.sign_pdf(writer, meta, signer=signer, bytes_reserved=reserved(signer))
    return out.getvalue()


def reserved(signer: signers.SimpleSigner) -> int:
    """The room kept in the PDF for the signature, in hexadecimal digits: its certificates and a
    margin. pyHanko would otherwise make a trial signature each time to measure it (a third of
    the signing's time); a container too large for the room fails the signing, never silently."""
    certs = [signer.signing_cert, *signer.cert_registry]
    return 2 * (sum(len(c.dump()) for c in certs) + CMS_MARGIN)


def certificate_pem() -> bytes:
    """The office's certificate (PEM), the trust root of its dossiers' signatures."""
    return Path(key_files()[1]).read_bytes()


def validate(pdf: bytes) -> SignatureReport:
    """Validate the dossier's signature against the office's certificate."""
    root = x509.load_pem_x509_certificate(certificate_pem())
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    sigs = reader.embedded_signatures
    if not sigs:
        return SignatureReport(False, False, False, None, False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from asn1crypto import x509 as asn1_x509

        trust = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
        status = validate_pdf_signature(sigs[-1], ValidationContext(trust_roots=[trust]))
    signer = status.signing_cert.subject.native.get("common_name") if status.signing_cert else None
    return SignatureReport(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        signer=signer,
        covers_whole_file=status.coverage.name == "ENTIRE_FILE",
    )
