"""Log lines that cannot be forged: every logger's records (Django's, gunicorn's, ours) are
built by a formatter that escapes, never by substituting text into a line.

``JsonFormatter`` writes one JSON object per line (production); ``TextFormatter`` one
escaped line per record for humans (``LOG_FORMAT=text``). A request to
``/x%0d%0aFAKE%22`` therefore stays one line whose ``path`` holds ``\\r\\n`` and ``\\"``.

What a line carries: time, level, logger, message; method, path (never the query string),
status and the request id when the record belongs to a request; the user's primary key
when the request has already identified one; the exception type and the traceback as an
escaped string. Never client addresses, query strings, request bodies or names: log lines
leave our access control, so they carry nothing about residents.

This module is imported while logging is configured (before Django's apps are ready, and
by gunicorn's master), so it imports only what needs no settings. gunicorn's logger class
is in ``core.gunicorn_logging`` (importing gunicorn costs ~50 ms; manage.py need not pay).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import unicodedata
from datetime import UTC, datetime

from django.utils.functional import empty

# The request being served by this thread (set by core.middleware.RequestContextMiddleware).
_request: contextvars.ContextVar = contextvars.ContextVar("linli_request", default=None)

# Query strings are cut from request lines in messages (runserver's "GET /r/?code=… HTTP/1.1").
_QUERY = re.compile(r"\?[^\s\"']*")
# Anything a terminal or a line-splitting log shipper could take for a line break or could
# use to hide text: control characters, line and paragraph separators, bidi overrides and
# other format characters, lone surrogates. Chinese text and ordinary punctuation stay.
_ASCII_SAFE = re.compile(r"[^\x20-\x7e]")


def _invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] == "C" or category in ("Zl", "Zp")


def _escape_invisibles(text: str) -> str:
    """Write every invisible or line-breaking character as a ``\\uXXXX`` escape.

    Used on the final JSON line: outside string literals a JSON line holds no such
    characters, and inside them ``\\uXXXX`` is the same character, so the line stays valid
    JSON and decodes to the original text."""

    def escape(match: re.Match) -> str:
        char = match.group()
        if not _invisible(char):
            return char
        code = ord(char)
        if code > 0xFFFF:  # outside the BMP: a surrogate pair, as JSON spells it
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return _ASCII_SAFE.sub(escape, text)


def escape_text(text: str) -> str:
    """Text for a human-readable line: invisible and line-breaking characters as Python
    escapes (``\\n``, ``\\x1b``, ``\\u2028``), everything else as is."""

    def escape(match: re.Match) -> str:
        char = match.group()
        if not _invisible(char):
            return char
        return char.encode("unicode_escape").decode("ascii")

    return _ASCII_SAFE.sub(escape, text)


def wsgi_text(value: str) -> str:
    """A WSGI environ string (bytes carried as Latin-1) as the UTF-8 text it encodes."""
    try:
        return value.encode("latin-1").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # already text
        return value


def current_request():
    """The request this thread is serving, or None."""
    return _request.get()


def bind_request(request) -> contextvars.Token:
    return _request.set(request)


def unbind_request(token: contextvars.Token) -> None:
    _request.reset(token)


def _user_pk(request):
    """The signed-in user's primary key, only if the request has already loaded its user
    (a log line must never be the reason for a session or database read)."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:  # the lazy user was never needed: leave it unloaded
        return None
    if not getattr(wrapped, "is_authenticated", False):
        return None
    return getattr(wrapped, "pk", None)


def record_fields(record: logging.LogRecord) -> dict:
    """The structured fields of ``record``: message, request facts, exception."""
    message = record.getMessage()
    if record.name.startswith("django."):
        message = _QUERY.sub("", message)
    data: dict = {"message": message}

    http = getattr(record, "http", None)  # gunicorn's access lines (GunicornLogger)
    if isinstance(http, dict):
        data.update(http)

    request = getattr(record, "request", None)  # django.request / django.security records
    if request is None or not hasattr(request, "path"):
        request = current_request()
    if request is not None and hasattr(request, "path"):
        data.setdefault("method", request.method)
        data.setdefault("path", request.path)
        request_id = getattr(request, "request_id", None)
        if request_id:
            data.setdefault("request_id", request_id)
        user = _user_pk(request)
        if user is not None:
            data.setdefault("user", user)
    status = getattr(record, "status_code", None)
    if status is not None:
        data["status"] = status
    security = getattr(record, "security", None)
    if security is not None:  # core.audit: the security record's own fields
        data["security"] = security

    if record.exc_info and record.exc_info[0] is not None:
        data["exception"] = record.exc_info[0].__name__
        data["traceback"] = logging.Formatter().formatException(record.exc_info)
    elif record.exc_text:
        data["traceback"] = record.exc_text
    if record.stack_info:
        data["stack"] = record.stack_info
    return data


class JsonFormatter(logging.Formatter):
    """One JSON object per line, every value escaped by the JSON encoder (and invisible or
    line-breaking characters written as ``\\uXXXX``): a value can never end the line."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat("T", "milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            **record_fields(record),
        }
        return _escape_invisibles(json.dumps(data, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """``time level logger message [method path status id]`` for humans, one line per
    record; a traceback follows on lines that start with ``  | `` so that no text inside it
    can pass for a record of its own."""

    def format(self, record: logging.LogRecord) -> str:
        data = record_fields(record)
        time = datetime.fromtimestamp(record.created, tz=UTC).astimezone().strftime("%H:%M:%S")
        line = f"{time} {record.levelname} {record.name} {escape_text(data['message'])}"
        facts = [str(data[k]) for k in ("method", "path", "status", "request_id") if k in data]
        if facts:
            line += " [" + escape_text(" ".join(facts)) + "]"
        for key in ("traceback", "stack"):
            if key in data:
                line += "".join(f"\n  | {escape_text(part)}" for part in data[key].splitlines())
        return line
