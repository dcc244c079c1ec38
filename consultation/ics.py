"""An iCalendar (RFC 5545) invitation for a meeting, written by hand: one VEVENT."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (continuation lines start with a space)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 75:
            out.append(current.decode())
            current = b" "
        current += encoded
    out.append(current.decode())
    return "\r\n".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def invitation(meeting, duration=dt.timedelta(hours=2)) -> str:
    host = settings.LINLI["SITE_URL"].split("://")[-1].split("/")[0].split(":")[0] or "linli"
    status = "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Linli//Meetings//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host}",
        f"SEQUENCE:{meeting.version}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.starts_at + duration)}",
        f"SUMMARY:{_escape(f'{meeting.get_kind_display()}：{meeting.topic}')}",
        f"LOCATION:{_escape(meeting.venue)}",
        f"DESCRIPTION:{_escape(f'{meeting.reference} · {meeting.convening_organisation.name}')}",
        f"STATUS:{status}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
