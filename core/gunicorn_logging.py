"""gunicorn's logger with access records of structured fields, for
``config/gunicorn.conf.py`` (``logger_class``)."""

from __future__ import annotations

from gunicorn import glogging

from core.logging import wsgi_text


class GunicornLogger(glogging.Logger):
    """An access record carries its facts as fields that ``core.logging.JsonFormatter``
    escapes, instead of a line built by substituting them into ``access_log_format`` (which
    lets a path containing ``%0d%0a`` or ``%22`` forge a line or break the JSON).

    Fields: method, path (PATH_INFO decoded as UTF-8; never the query string), status,
    bytes, ms and the request id the app answered with. No client address, user agent or
    referrer.
    """

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = str(status)
        method = wsgi_text(environ.get("REQUEST_METHOD", ""))
        path = wsgi_text(environ.get("PATH_INFO", ""))
        http = {
            "method": method,
            "path": path,
            "status": status,
            "bytes": getattr(resp, "sent", None),
            "ms": request_time.seconds * 1000 + request_time.microseconds // 1000,
        }
        request_id = next((v for k, v in resp.headers if k.lower() == "x-request-id"), None)
        if request_id:
            http["request_id"] = request_id
        try:
            self.access_log.info("%s %s %s", method, path, status, extra={"http": http})
        except Exception:
            self.exception("Writing an access record failed")
