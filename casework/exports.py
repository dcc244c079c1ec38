"""CSV and XLSX exports of the case list and the monthly report.

Phone numbers are masked unless the user holds ``casework.export_unmasked``; every
export is written to the export log.

Formulas: a cell that a spreadsheet would run as a formula (starting with = + - @, a tab
or a carriage return) must stay text. In XLSX the cell is written as a text cell (its
data type is "s"), so the reader sees exactly what was typed, without a stray apostrophe.
CSV has no cell types: there the value is prefixed with an apostrophe, as OWASP's
CSV-injection guidance recommends — the one visible cost of a format without types.

The case list's CSV is streamed (``stream_csv``): the header leaves at once, rows follow
in chunks read with ``iterator()`` as tuples, and every label (status, outcome, category,
place, officer) is resolved once per value, not once per row — memory stays flat at
100,000 rows (tests/perf/export_bench.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import parse_qsl

from django.contrib.auth import get_user_model
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.models import Case, Category, ExportLog, Party, PartyRole, Place, mask_phone
from core.audit import record
from core.jobs import job
from core.models import SecurityEventKind
from core.names import person_name

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def neutralise(value) -> object:
    """CSV: text that a spreadsheet would evaluate is kept as text (apostrophe prefix)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_value(value) -> object:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


def can_export_unmasked(user) -> bool:
    return user.has_perm("casework.export_unmasked")


_CASE_FIELDS = (
    "pk",
    "reference",
    "created_at",
    "status",
    "category_id",
    "place_id",
    "assigned_officer_id",
    "due_date",
    "outcome",
    "description",
)


def case_rows(cases, *, unmasked: bool) -> tuple[list[str], Iterable[list]]:
    """The header and the rows of the case export for the queryset ``cases`` (its order
    is kept). Dates are ``date``/``datetime`` values: each format writes them its way."""
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

    # The rows are read while the response streams, after the view has returned: they
    # keep the language of the request that asked (the reader's), not whatever is active.
    language = translation.get_language()

    def rows() -> Iterator[list]:
        with translation.override(language):
            yield from _rows()

    def _rows() -> Iterator[list]:
        statuses = {value: str(label) for value, label in Case._meta.get_field("status").choices}
        outcomes = {value: str(label) for value, label in Case._meta.get_field("outcome").choices}
        categories = {c.pk: c.label for c in Category.objects.all()}
        places: dict[int, str] = {}
        officers: dict[int, str] = {}
        batch: list[tuple] = []
        plain = cases.select_related(None).prefetch_related(None)
        for row in plain.values_list(*_CASE_FIELDS).iterator(chunk_size=CHUNK):
            batch.append(row)
            if len(batch) == CHUNK:
                yield from _case_batch(
                    batch, unmasked, statuses, outcomes, categories, places, officers
                )
                batch = []
        if batch:
            yield from _case_batch(
                batch, unmasked, statuses, outcomes, categories, places, officers
            )

    return header, rows()


def _case_batch(batch, unmasked, statuses, outcomes, categories, places, officers):
    """One chunk of rows: its applicants in one query, names looked up once per value."""
    applicants: dict[int, list[tuple[str, str]]] = {}
    for case_id, name, phone in (
        Party.objects.filter(case_id__in=[r[0] for r in batch], role=PartyRole.APPLICANT)
        .order_by("id")
        .values_list("case_id", "name", "phone")
    ):
        applicants.setdefault(case_id, []).append((name, phone))
    missing = {r[5] for r in batch} - places.keys()
    if missing:
        places.update(Place.objects.filter(pk__in=missing).values_list("pk", "full_name"))
    missing = {r[6] for r in batch if r[6]} - officers.keys()
    if missing:
        officers.update(
            (u.pk, person_name(u))
            for u in get_user_model()
            .objects.filter(pk__in=missing)
            .select_related("profile")  # a streamed body runs after the request's name scope
            .only("username", "first_name", "last_name", "profile__display_name")
        )
    for pk, reference, created, status, category, place, officer, due, outcome, text in batch:
        people = applicants.get(pk, [])
        phones = [phone if unmasked else mask_phone(phone) for _name, phone in people]
        yield [
            reference,
            created,
            statuses.get(status, status),
            categories.get(category, ""),
            places.get(place, ""),
            officers.get(officer, "") if officer else "",
            "; ".join(name for name, _phone in people),
            "; ".join(p for p in phones if p),
            due,
            outcomes.get(outcome, "") if outcome else "",
            text[:2000],
        ]


class _Echo:
    """A file whose write returns the text: csv.writer then hands each line back."""

    def write(self, value):
        return value


def stream_csv(
    filename: str, header: list[str], rows: Iterable[list], *, done: Callable[[int], object]
) -> StreamingHttpResponse:
    """The CSV as a stream: the header at once, then rows in chunks. ``done(count)`` runs
    when the stream ends — also when the download is broken off (then with the rows sent),
    so every export is logged."""
    writer = csv.writer(_Echo())

    def content():
        count = 0
        try:
            # The BOM makes spreadsheet programs read the Chinese as UTF-8.
            yield "\ufeff" + writer.writerow(header)
            lines = []
            for row in rows:
                lines.append(writer.writerow([_csv_value(v) for v in row]))
                count += 1
                if len(lines) == 500:
                    yield "".join(lines)
                    lines = []
            if lines:
                yield "".join(lines)
        finally:
            done(count)

    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _xlsx_value(sheet, value):
    """A cell for openpyxl's write-only sheet: real dates, formulas kept as text cells."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, shown as typed: never evaluated, no apostrophe
        return cell
    return value


def respond(
    fmt: str, filename: str, header: list[str], rows: Iterable[list]
) -> tuple[HttpResponse, int]:
    """The file as a download, and how many data rows it holds."""
    count = 0
    if fmt == "xlsx":
        # Loaded on the first XLSX export, not at every start: the package is large.
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(filename.split("-")[1] if "-" in filename else "Sheet1")
        sheet.freeze_panes = "A2"  # the header stays in view
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_value(sheet, v) for v in row])
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
            writer.writerow([_csv_value(v) for v in row])
            count += 1
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response, count


def write_xlsx(target, *, title: str, header: list[str], rows: Iterable[list]) -> int:
    """Write one sheet named ``title`` into the file ``target`` with openpyxl's write-only
    mode (rows go to disk as they come: memory stays flat). Returns the data rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_xlsx_value(sheet, v) for v in row])
        count += 1
    book.save(target)
    return count


def cases_for_export(user, params):
    """The cases ``user`` may see, narrowed by the case list's filters in ``params`` (a
    QueryDict); invalid filters give no cases. Newest first."""
    from casework import selectors
    from casework.filters import CaseFilter

    base = selectors.cases_visible_to(user)
    case_filter = CaseFilter(params or None, queryset=base, user=user)
    cases = case_filter.qs if case_filter.is_bound and case_filter.is_valid() else base
    if case_filter.is_bound and not case_filter.is_valid():
        cases = base.none()
    return cases.order_by("-created_at", "-id")


XLSX_JOB = "casework.export_cases_xlsx"


@job(XLSX_JOB, max_attempts=3)
def export_cases_xlsx(*, user: int, filters: str, lang: str) -> dict:
    """The case export as XLSX, built by a worker into storage (exports/…), in the
    language of the user who asked; logged like every export. The file is served only to
    that user (``report_views.my_export_download``)."""
    from django.core.files import File
    from django.core.files.storage import default_storage
    from django.http import QueryDict

    from casework.models import ExportKind

    person = get_user_model().objects.get(pk=user)
    unmasked = can_export_unmasked(person)
    with translation.override(lang), tempfile.TemporaryFile() as handle:
        header, rows = case_rows(cases_for_export(person, QueryDict(filters)), unmasked=unmasked)
        count = write_xlsx(handle, title=_("Cases"), header=header, rows=rows)
        handle.seek(0)
        name = default_storage.save(f"exports/{uuid.uuid4().hex}.xlsx", File(handle))
    log(person, ExportKind.CASES, "xlsx", filters, count, unmasked)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return {"file": name, "rows": count, "filename": f"linli-cases-{stamp}.xlsx"}


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
