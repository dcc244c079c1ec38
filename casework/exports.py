"""CSV and XLSX exports of the case list and the monthly report.

Phone numbers are masked unless the user holds ``casework.export_unmasked``; a cell that
a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
is prefixed with an apostrophe; every export is written to the export log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from urllib.parse import parse_qsl

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import ExportLog, PartyRole, mask_phone
from core.audit import record
from core.models import SecurityEventKind
from core.names import person_name

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """Text that a spreadsheet would evaluate is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def can_export_unmasked(user) -> bool:
    return user.has_perm("casework.export_unmasked")


def case_rows(cases, *, unmasked: bool) -> tuple[list[str], Iterable[list]]:
    header = [
        _("Reference"),
        _("Registered at"),
        _("Status"),
        _("Category"),
        _("Place"),
        _("Officer"),
        _("Applicants"),
        _("Phone"),
        _("Due"),
        _("Outcome"),
        _("What happened"),
    ]

    def rows():
        for case in cases.iterator(chunk_size=2000):
            applicants = [p for p in case.applicants if p.role == PartyRole.APPLICANT]
            phones = [p.phone if unmasked else mask_phone(p.phone) for p in applicants]
            yield [
                case.reference,
                timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
                case.get_status_display(),
                case.category.label,
                case.place.full_name,
                person_name(case.assigned_officer) if case.assigned_officer_id else "",
                "; ".join(p.name for p in applicants),
                "; ".join(p for p in phones if p),
                case.due_date.isoformat() if case.due_date else "",
                case.get_outcome_display() if case.outcome else "",
                case.description[:2000],
            ]

    return header, rows()


def respond(
    fmt: str, filename: str, header: list[str], rows: Iterable[list]
) -> tuple[HttpResponse, int]:
    """The file as a download, and how many data rows it holds."""
    count = 0
    if fmt == "xlsx":
        # Loaded on the first XLSX export, not at every start: the package is large.
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append([neutralise(v) for v in row])
            count += 1
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so that spreadsheet programs read the Chinese as UTF-8
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
            count += 1
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response, count


def log(user, kind: str, fmt: str, filters: str, rows: int, unmasked: bool) -> ExportLog:
    """The export log supervisors read, and the same fact in the security record (filter
    names only there: a free-text search may hold a name)."""
    entry = ExportLog.objects.create(
        user=user, kind=kind, format=fmt, filters=filters[:2000], rows=rows, unmasked=unmasked
    )
    record(
        SecurityEventKind.EXPORT,
        actor=user,
        obj=entry,
        detail={
            "kind": kind,
            "format": fmt,
            "rows": rows,
            "unmasked": unmasked,
            "filters": sorted({k for k, _v in parse_qsl(filters) if k != "page"}),
        },
    )
    return entry
