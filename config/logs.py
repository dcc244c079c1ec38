"""JSON log lines for production (no Django imports: logging is configured early)."""

import json
import logging


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and exception type).

    No request bodies, no query strings, no user names: log lines leave our access
    control, so they carry nothing about residents.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": message.split("?", 1)[0] if record.name.startswith("django.") else message,
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            data["status"] = status
        security = getattr(record, "security", None)
        if security is not None:  # core.audit: the security record's own fields
            data["security"] = security
        if record.exc_info and record.exc_info[0] is not None:
            data["exception"] = record.exc_info[0].__name__
        return json.dumps(data, ensure_ascii=False)
