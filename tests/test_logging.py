"""Log lines that cannot be forged (core/logging.py): every record is one line built by an
escaping formatter, never by substituting request data into text; lines carry method,
path, status, request id and the user's pk where known, and tracebacks as one escaped
field; never query strings or client addresses."""

import datetime as dt
import importlib.util
import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse

from core.logging import JsonFormatter, TextFormatter
from core.middleware import RequestContextMiddleware

ROOT = Path(__file__).resolve().parents[1]
FORGED = '/x\r\nFAKE"'
# Characters that end a line for some reader (splitlines, terminals) or hide text.
INVISIBLE = "\x1b\x85\u2028\u2029\u202e\x00"


class Capture(logging.Handler):
    def __init__(self, formatter):
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def capture():
    """A JSON handler on a logger of ours, removed afterwards."""
    logger = logging.getLogger("linli.test")
    handler = Capture(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, handler.lines
    logger.removeHandler(handler)


def _record(message, *args, name="linli.test", exc_info=None, **extra):
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    return record


def _one_line(text: str) -> str:
    assert len(text.splitlines()) == 1 and "\n" not in text and "\r" not in text, text
    return text


def test_a_forged_message_stays_one_json_line_with_the_characters_escaped():
    line = _one_line(JsonFormatter().format(_record("Not Found: %s", FORGED + INVISIBLE)))
    data = json.loads(line)
    assert data["message"] == "Not Found: " + FORGED + INVISIBLE
    assert data["level"] == "WARNING" and data["logger"] == "linli.test"
    for char in INVISIBLE:
        assert char not in line  # written as \\uXXXX, not raw
    assert "\\u2028" in line and "\\u202e" in line and "\\r\\n" in line


def test_chinese_stays_readable_and_lone_surrogates_cannot_break_the_encoding():
    line = JsonFormatter().format(_record("新华路街道 %s", "\ud800"))
    assert "新华路街道" in line
    line.encode("utf-8")  # a raw lone surrogate would raise here, in the handler
    assert json.loads(line)["message"] == "新华路街道 \ud800"


def test_the_time_is_utc_with_milliseconds():
    data = json.loads(JsonFormatter().format(_record("x")))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", data["time"])
    assert dt.datetime.fromisoformat(data["time"]).utcoffset() == dt.timedelta(0)


def test_a_traceback_is_kept_as_one_escaped_field():
    try:
        raise ValueError("bad value\nFAKE log line")
    except ValueError:
        import sys

        record = _record("Internal Server Error: %s", "/cases/", exc_info=sys.exc_info())
    line = _one_line(JsonFormatter().format(record))
    data = json.loads(line)
    assert data["exception"] == "ValueError"
    assert data["traceback"].startswith("Traceback (most recent call last):")
    assert "test_logging.py" in data["traceback"]
    assert data["traceback"].endswith("ValueError: bad value\nFAKE log line")


def test_django_messages_lose_their_query_string():
    record = _record("Not Found: %s", "/r/?code=SECRET", name="django.request")
    assert json.loads(JsonFormatter().format(record))["message"] == "Not Found: /r/"
    record = _record('"%s" %s %s', "GET /r/?code=SECRET HTTP/1.1", 200, 5, name="django.server")
    line = JsonFormatter().format(record)
    assert "SECRET" not in line and json.loads(line)["message"] == '"GET /r/ HTTP/1.1" 200 5'


def test_a_record_during_a_request_carries_its_id_method_path_and_user(capture, rf):
    logger, lines = capture

    def view(request):
        logger.info("Working on %s", "it")
        return HttpResponse("ok")

    request = rf.get("/cases/12/?q=王", REMOTE_ADDR="203.0.113.9")
    request.user = type("User", (), {"is_authenticated": True, "pk": 42})()
    response = RequestContextMiddleware(view)(request)
    data = json.loads(lines[-1])
    assert data["message"] == "Working on it"
    assert (data["method"], data["path"], data["user"]) == ("GET", "/cases/12/", 42)
    assert data["request_id"] == response["X-Request-ID"] and len(data["request_id"]) == 32
    assert "王" not in lines[-1] and "203.0.113.9" not in lines[-1]
    logger.info("after the request")
    assert "request_id" not in json.loads(lines[-1])


def test_an_unloaded_user_is_not_loaded_for_a_log_line(capture, rf):
    from django.utils.functional import SimpleLazyObject

    logger, lines = capture

    def load_user():
        raise AssertionError("the log line read the user")

    def view(request):
        logger.info("public page")
        return HttpResponse("ok")

    request = rf.get("/r/")
    request.user = SimpleLazyObject(load_user)
    RequestContextMiddleware(view)(request)  # loading the user would raise
    assert "user" not in json.loads(lines[-1])


def test_a_proxys_request_id_is_kept_only_from_a_trusted_proxy(rf, settings):
    settings.LINLI = {**settings.LINLI, "TRUSTED_PROXIES": ["10.0.0.1"]}
    middleware = RequestContextMiddleware(lambda request: HttpResponse("ok"))
    nginx_id = "4f6c8a2e9b1d4c7f8a3e5d2c1b0a9f8e"
    trusted = rf.get("/", HTTP_X_REQUEST_ID=nginx_id, REMOTE_ADDR="10.0.0.1")
    assert middleware(trusted)["X-Request-ID"] == nginx_id
    stranger = rf.get("/", HTTP_X_REQUEST_ID=nginx_id, REMOTE_ADDR="203.0.113.9")
    assert middleware(stranger)["X-Request-ID"] != nginx_id
    forged = rf.get("/", HTTP_X_REQUEST_ID="abc\r\nFAKE line", REMOTE_ADDR="10.0.0.1")
    assert "FAKE" not in middleware(forged)["X-Request-ID"]


def test_the_text_format_escapes_too_and_fences_tracebacks():
    try:
        raise ValueError("boom\nFAKE 12:00:00 ERROR forged")
    except ValueError:
        import sys

        record = _record("Not Found: %s", FORGED, exc_info=sys.exc_info())
    text = TextFormatter().format(record)
    first, *rest = text.split("\n")
    assert first.endswith('Not Found: /x\\r\\nFAKE"') and "WARNING linli.test" in first
    assert rest and all(line.startswith("  | ") for line in rest)


def test_gunicorns_access_record_is_built_from_fields(capsys):
    from gunicorn.config import Config

    from core.gunicorn_logging import GunicornLogger

    cfg = Config()
    cfg.set("accesslog", "-")
    logger = GunicornLogger(cfg)
    lines = Capture(JsonFormatter())
    logger.access_log.handlers = [lines]

    class Response:
        status = "404 Not Found"
        headers = [("Content-Type", "text/html"), ("X-Request-ID", "abc123")]
        sent = 1256

    # PATH_INFO as WSGI carries it: the UTF-8 bytes of the decoded path, as Latin-1.
    path = "/r/居民" + FORGED
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": "code=SECRET",
        "REMOTE_ADDR": "203.0.113.9",
        "RAW_URI": "/r/?code=SECRET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    logger.access(Response(), None, environ, dt.timedelta(milliseconds=84))
    (line,) = lines.lines
    _one_line(line)
    data = json.loads(line)
    assert data["logger"] == "gunicorn.access"
    assert (data["method"], data["path"], data["status"]) == ("GET", path, 404)
    assert (data["bytes"], data["ms"], data["request_id"]) == (1256, 84, "abc123")
    for private in ("SECRET", "203.0.113.9", "Mozilla"):
        assert private not in line


def test_every_handler_of_ours_writes_through_an_escaping_formatter():
    formatters = settings.LOGGING["formatters"]
    assert {f["()"] for f in formatters.values()} <= {
        "core.logging.JsonFormatter",
        "core.logging.TextFormatter",
    }
    assert all("formatter" in h for h in settings.LOGGING["handlers"].values())
    # Django's own default handlers (unescaped text) are replaced.
    assert settings.LOGGING["loggers"]["django"]["handlers"] == []
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]


def test_gunicorns_logging_config_defines_every_handler_it_names():
    """gunicorn merges its defaults (whose root names a "console" handler) with ours; the
    merge must not name a handler ours drops ("Unable to configure root logger")."""
    from gunicorn.glogging import CONFIG_DEFAULTS

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "config/gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    merged = {**CONFIG_DEFAULTS, **conf.logconfig_dict}
    named = set(merged["root"]["handlers"])
    for logger in merged["loggers"].values():
        named |= set(logger["handlers"])
    assert named <= set(merged["handlers"])
    assert {h["formatter"] for h in merged["handlers"].values()} == {"json"}
    assert merged["formatters"]["json"]["()"] == "core.logging.JsonFormatter"
    assert conf.logger_class == "core.gunicorn_logging.GunicornLogger"
    assert conf.control_socket_disable is True
