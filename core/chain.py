"""Hash chains (#24): each row of an append-only record carries the hash of the row
before it, so that deleting or editing a row in the middle — even with direct database
access — breaks every later link, and ``verify_archive`` says where.

``link(previous, fields)`` is SHA-256 over the previous hash and a canonical JSON of the
row's chained fields (sorted keys, UTC times to the microsecond). Which fields a record
chains is the record's own choice (casework.chain, consultation.services.archive), and
docs/archives.md lists them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

GENESIS = "0" * 64


def canonical(value):
    """A value as the chain hashes it: datetimes in UTC ISO form, the rest as JSON has it."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("chained times must be aware")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def link(previous: str, fields: dict) -> str:
    """The hash of a row whose predecessor's hash is ``previous`` (``GENESIS`` for the
    first row) and whose chained fields are ``fields``."""
    body = json.dumps(
        {key: canonical(value) for key, value in fields.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(f"{previous}\n{body}".encode()).hexdigest()
