"""Personal data encrypted at rest, and the keyed hash that lets us still look it up.

DOMAIN.md §9 and the commercial-cryptography evaluation (密评, GB/T 39786-2021 §8.5
"数据的存储机密性"): phone numbers, ID numbers and detailed addresses are stored
encrypted with a national algorithm — SM4 in GCM mode (GB/T 32907 block cipher, an
authenticated mode, so a changed or mis-keyed value is refused, never read as garbage).
Deployments that must use AES (an audit outside China, a hardware module without SM4)
set ``LINLI_PII_CIPHER=aes-gcm``; each stored value names its own algorithm and key, so
values written under either setting stay readable.

A stored value is ``pii1:<key id>:<algorithm>:<base64url(nonce ‖ ciphertext ‖ tag)>``.
The key id lets ``manage.py rotate_pii_key`` re-encrypt under a new key while old values
stay readable; the keys come from the environment only (``LINLI_PII_KEYS``), never from
the database or the checkout.

Look-ups (a caller's phone number) cannot search ciphertext: they search a keyed hash,
HMAC-SM3 (GB/T 32905) under ``LINLI_PII_HASH_KEY`` — equal inputs give equal keys, and
without the key nobody can try the 10¹¹ mobile numbers against the column.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac as std_hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "pii1"
SM4_GCM = "sm4-gcm"
AES_GCM = "aes-gcm"
CIPHERS = (SM4_GCM, AES_GCM)
NONCE_BYTES = 12
TAG_BYTES = 16

# The development and test profiles' keys: public on purpose (they are in this file), so
# that every dev process and test run reads what another wrote. Production refuses to
# start without its own (config/settings.py), and a system check refuses these there.
INSECURE_DEV_KEYS = "dev:" + base64.b64encode(b"linli-dev-only!!").decode()
INSECURE_DEV_HASH_KEY = base64.b64encode(b"linli-dev-only-lookup-key-32byte").decode()


class PIIKeyError(Exception):
    """A stored personal value cannot be read: its key is missing or it does not verify.

    Raised rather than returning anything: a page showing ciphertext, or the wrong
    person's number, is worse than a page that says the key configuration is wrong."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    current: str
    cipher: str
    hash_key: bytes


def parse_keys(text: str) -> dict[str, bytes]:
    """``"k2:<base64>,k1:<base64>"`` -> {"k2": b"...", "k1": b"..."}; ValueError when a
    part is malformed (no id, not base64, a length SM4/AES cannot use)."""
    keys: dict[str, bytes] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, encoded = part.partition(":")
        kid = kid.strip()
        if not sep or not kid or not kid.isalnum():
            raise ValueError(f"{part[:8]}…: each key is <id>:<base64 key>, id letters/digits")
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {kid!r} is not base64") from None
        if len(raw) not in (16, 32):
            raise ValueError(f"key {kid!r} is {len(raw)} bytes; use 16 (SM4) or 32 (AES-256)")
        if kid in keys:
            raise ValueError(f"key id {kid!r} appears twice")
        keys[kid] = raw
    return keys


def keyring_from_settings() -> Keyring:
    """The keyring the settings describe; ValueError saying what is wrong."""
    conf = settings.LINLI["PII"]
    keys = parse_keys(conf["KEYS"])
    if not keys:
        raise ValueError("LINLI_PII_KEYS is empty")
    current = conf["KEY_ID"] or next(iter(keys))
    if current not in keys:
        raise ValueError(f"LINLI_PII_KEY_ID {current!r} is not one of LINLI_PII_KEYS")
    cipher = conf["CIPHER"]
    if cipher not in CIPHERS:
        raise ValueError(f"LINLI_PII_CIPHER must be one of {', '.join(CIPHERS)}")
    if cipher == SM4_GCM and len(keys[current]) != 16:
        raise ValueError(f"SM4 needs a 16-byte key; {current!r} is {len(keys[current])}")
    try:
        hash_key = base64.b64decode(conf["HASH_KEY"] or "", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("LINLI_PII_HASH_KEY is not base64") from None
    if len(hash_key) < 16:
        raise ValueError("LINLI_PII_HASH_KEY must be at least 16 random bytes (base64)")
    return Keyring(keys=keys, current=current, cipher=cipher, hash_key=hash_key)


@lru_cache(maxsize=1)
def _cached_keyring(signature: tuple) -> Keyring:
    return keyring_from_settings()


def keyring() -> Keyring:
    """The configured keyring (parsed once per configuration); PIIKeyError if unusable."""
    conf = settings.LINLI["PII"]
    try:
        return _cached_keyring(tuple(sorted(conf.items())))
    except ValueError as exc:
        raise PIIKeyError(f"Personal-data keys are misconfigured: {exc}") from None


def _seal(algorithm: str, key: bytes, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
    if algorithm == AES_GCM:
        return AESGCM(key).encrypt(nonce, plain, aad)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plain) + encryptor.finalize()
    return body + encryptor.tag


def _open(algorithm: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if algorithm == AES_GCM:
        return AESGCM(key).decrypt(nonce, sealed, aad)
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def is_encrypted(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX + ":")


def encrypt(plain: str, *, key_id: str | None = None) -> str:
    """``plain`` sealed under the current key (or ``key_id``); "" stays "" (a blank field
    is not personal data, and forms and filters test for it)."""
    if plain is None or plain == "":
        return plain
    ring = keyring()
    kid = key_id or ring.current
    if kid not in ring.keys:
        raise PIIKeyError(f"No personal-data key {kid!r} in LINLI_PII_KEYS")
    algorithm = ring.cipher if len(ring.keys[kid]) == 16 or ring.cipher == AES_GCM else AES_GCM
    nonce = os.urandom(NONCE_BYTES)
    header = f"{PREFIX}:{kid}:{algorithm}"
    sealed = _seal(algorithm, ring.keys[kid], nonce, plain.encode(), header.encode())
    return f"{header}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(stored: str) -> str | None:
    """The key id a stored value was sealed with (None for "" or clear text)."""
    return stored.split(":", 3)[1] if is_encrypted(stored) else None


def decrypt(stored: str) -> str:
    """The clear text of a stored value. A value without our prefix is returned as it is
    (rows written before encryption, until the migration or ``rotate_pii_key`` seals
    them); a sealed value whose key is missing or which fails its tag raises
    PIIKeyError."""
    if not is_encrypted(stored):
        return stored
    try:
        _prefix, kid, algorithm, body = stored.split(":", 3)
        blob = base64.urlsafe_b64decode(body.encode())
    except (ValueError, binascii.Error):
        raise PIIKeyError("A stored personal value is malformed") from None
    ring = keyring()
    if kid not in ring.keys:
        raise PIIKeyError(
            f"A stored personal value was sealed with key {kid!r}, which is not in "
            "LINLI_PII_KEYS (keep retired keys there until rotate_pii_key has finished)"
        )
    if algorithm not in CIPHERS or len(blob) < NONCE_BYTES + TAG_BYTES:
        raise PIIKeyError("A stored personal value is malformed")
    header = f"{PREFIX}:{kid}:{algorithm}".encode()
    try:
        plain = _open(algorithm, ring.keys[kid], blob[:NONCE_BYTES], blob[NONCE_BYTES:], header)
    except InvalidTag:
        raise PIIKeyError(
            f"A stored personal value does not verify under key {kid!r}: the key is "
            "wrong or the value was altered"
        ) from None
    return plain.decode()


def lookup_hash(text: str) -> str:
    """HMAC-SM3 of ``text`` under the look-up key, as 64 hex digits ("" for "")."""
    if not text:
        return ""
    mac = crypto_hmac.HMAC(keyring().hash_key, hashes.SM3())
    mac.update(text.encode())
    return mac.finalize().hex()


def is_insecure_dev_configuration() -> bool:
    """Whether the configured keys are the public development keys."""
    conf = settings.LINLI["PII"]
    return conf["KEYS"] == INSECURE_DEV_KEYS or std_hmac.compare_digest(
        hashlib.sha256((conf["HASH_KEY"] or "").encode()).digest(),
        hashlib.sha256(INSECURE_DEV_HASH_KEY.encode()).digest(),
    )


def new_key_text(key_id: str, cipher: str = SM4_GCM) -> str:
    """A fresh ``<id>:<base64>`` entry for LINLI_PII_KEYS (operators: docs/deploy.md)."""
    return f"{key_id}:{base64.b64encode(os.urandom(16 if cipher == SM4_GCM else 32)).decode()}"
