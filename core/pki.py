"""The development PKI (#24): a local test CA, the office's signing certificate (PKCS#12
with a passphrase) and a timestamp authority's certificate, made with ``cryptography`` on
this machine — no network. ``make run``, ``make demo`` and the tests sign archives with it;
production plugs in a real certificate and TSA instead (docs/archives.md).

Never use these keys for real documents: the CA key sits beside the certificates,
unencrypted, so that anyone with the checkout can mint more.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The files of a development PKI directory.
CA_CERT = "ca.crt"
CA_KEY = "ca.key"
OFFICE_P12 = "office.p12"
PASSPHRASE = "passphrase.txt"
TSA_CERT = "tsa.crt"
TSA_KEY = "tsa.key"
FILES = (CA_CERT, CA_KEY, OFFICE_P12, PASSPHRASE, TSA_CERT, TSA_KEY)


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Linli development PKI"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(subject, key, issuer, issuer_key, *, ca: bool, years: int, usage, eku=None):
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _usage(**on) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


# The office the development certificate names: Chinese, as on every page and PDF it
# appears in; "开发测试" says it signs nothing real.
DEV_OFFICE = "邻里街道办事处（开发测试）"


def make(directory: Path, *, office: str = DEV_OFFICE) -> Path:
    """Create a complete development PKI in ``directory`` (atomically: a half-made one is
    never seen by a concurrent process); returns the directory."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".pki-", dir=directory.parent))
    pem = serialization.Encoding.PEM
    plain = serialization.NoEncryption()
    pkcs8 = serialization.PrivateFormat.PKCS8

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Linli Development Root CA", "Test CA — not for real documents")
    ca = _issue(
        ca_name, ca_key, ca_name, ca_key, ca=True, years=20,
        usage=_usage(key_cert_sign=True, crl_sign=True, digital_signature=True),
    )  # fmt: skip
    office_key = ec.generate_private_key(ec.SECP256R1())
    office_cert = _issue(
        _name(office, "Archive signing"), office_key, ca_name, ca_key, ca=False, years=5,
        usage=_usage(digital_signature=True, content_commitment=True),
    )  # fmt: skip
    # RSA: pyHanko's in-process TSA (DummyTimeStamper) signs with RSA only.
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = _issue(
        _name("Linli Development Timestamp Authority", "TSA"), tsa_key, ca_name, ca_key,
        ca=False, years=10, usage=_usage(digital_signature=True, content_commitment=True),
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
    )  # fmt: skip
    passphrase = os.urandom(12).hex()
    p12 = pkcs12.serialize_key_and_certificates(
        b"office",
        office_key,
        office_cert,
        [ca],
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    (staging / CA_CERT).write_bytes(ca.public_bytes(pem))
    (staging / CA_KEY).write_bytes(ca_key.private_bytes(pem, pkcs8, plain))
    (staging / OFFICE_P12).write_bytes(p12)
    (staging / PASSPHRASE).write_text(passphrase + "\n")
    (staging / TSA_CERT).write_bytes(tsa_cert.public_bytes(pem))
    (staging / TSA_KEY).write_bytes(tsa_key.private_bytes(pem, pkcs8, plain))
    for name in (CA_KEY, OFFICE_P12, PASSPHRASE, TSA_KEY):
        os.chmod(staging / name, 0o600)
    if directory.exists():
        shutil.rmtree(directory)
    try:
        os.replace(staging, directory)
    except OSError:
        # Another process made it first: theirs is as good as ours.
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def exists(directory: Path) -> bool:
    """Whether ``directory`` holds a complete development PKI."""
    return all((Path(directory) / name).is_file() for name in FILES)


def ensure(directory: Path) -> Path:
    """The development PKI in ``directory``, made first if it is not there."""
    if not exists(directory):
        make(directory)
    return Path(directory)


def other_key_certificate(office: str = "Somebody else") -> tuple[bytes, str]:
    """A PKCS#12 (and its passphrase) under a *different*, untrusted CA: what a forger who
    re-signs a document has (tests use it)."""
    directory = Path(tempfile.mkdtemp(prefix="linli-untrusted-"))
    make(directory / "pki", office=office)
    data = (directory / "pki" / OFFICE_P12).read_bytes()
    passphrase = (directory / "pki" / PASSPHRASE).read_text().strip()
    shutil.rmtree(directory, ignore_errors=True)
    return data, passphrase
