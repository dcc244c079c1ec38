"""The resident's secret status code: shown once on the receipt, only its hash stored, and
checked (by reference and code) on the public status page, Open311 and the API.

Codes are 12 symbols from an alphabet without look-alikes (no 0/O, 1/I/L): 31**12 ≈ 2**59.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher

# Unambiguous alphabet for codes residents copy by hand: no 0/O, 1/I/L.
STATUS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
STATUS_CODE_LENGTH = 12  # 31**12 ≈ 2**59


class StatusCodeHasher(PBKDF2PasswordHasher):
    """Salted PBKDF2 with fewer rounds than passwords: the code is random (59 bits, not a
    human password), lookups are rate-limited, and staff register cases by the hundred."""

    iterations = 20_000


_hasher = StatusCodeHasher()


def new_status_code() -> str:
    """A fresh random code."""
    return "".join(secrets.choice(STATUS_CODE_ALPHABET) for _ in range(STATUS_CODE_LENGTH))


def status_code_from_seed(seed: bytes) -> str:
    """A status code drawn from 32 secret bytes instead of fresh randomness: a form's second
    send derives the same code from its one-time token (``core.idempotency``), so the
    code can be shown again without being stored. 256 bits reduced to 12 symbols of 31."""
    number = int.from_bytes(seed, "big")
    symbols = []
    for _position in range(STATUS_CODE_LENGTH):
        number, index = divmod(number, len(STATUS_CODE_ALPHABET))
        symbols.append(STATUS_CODE_ALPHABET[index])
    return "".join(symbols)


def normalise_status_code(code: str) -> str:
    """The code as typed, upper-cased, spaces and dashes left out."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def hash_status_code(code: str) -> str:
    """The salted hash stored on the case (the code itself is never stored)."""
    return _hasher.encode(code, _hasher.salt())


def hash_matches(stored_hash: str, code: str) -> bool:
    """Whether ``code`` is the one ``stored_hash`` was made from."""
    if not stored_hash.startswith(f"{_hasher.algorithm}$"):
        return False
    return _hasher.verify(normalise_status_code(code), stored_hash)


def status_code_matches(case, code: str) -> bool:
    """Whether ``code`` is ``case``'s status code."""
    return hash_matches(case.status_code_hash, code)


# A look-up of an unknown reference checks against this hash, so that its answer takes as
# long as a real check and timing does not reveal which references exist.
DUMMY_HASH = _hasher.encode("NOT-A-REAL-CODE", "linlidummysalt")
