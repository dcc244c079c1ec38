"""12345 work orders in: a batch (JSON, CSV or XLSX; docs/12345.md) becomes or updates
cases, all or nothing.

Every record is checked first; any problem is reported with its line (or record) number
and nothing is written. A clean batch is written in one transaction: a new order number
registers a case (channel 12345, the hotline's category mapped to ours, the caller masked
as the hotline masks them, placed at the estate or building the address names); an order
number already received updates the hotline's deadlines and status beside the case.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from casework import portal, services
from casework.hotline.masking import mask_caller_name, mask_caller_phone
from casework.models import (
    Category,
    Channel,
    HotlineCategoryMap,
    HotlineOrder,
    HotlineStatus,
    Place,
    PlaceKind,
)

# Our field names and the column headings of the hotline's spreadsheet export.
FIELDS = {
    "order_number": "工单编号",
    "called_at": "来电时间",
    "caller": "来电人",
    "caller_phone": "联系电话",
    "category": "诉求类别",
    "content": "诉求内容",
    "requests": "诉求要求",
    "address": "事发地址",
    "sign_for_due": "签收时限",
    "reply_due": "答复时限",
    "status": "工单状态",
}
REQUIRED = ("order_number", "category", "content", "address", "sign_for_due", "reply_due")
HEADINGS = {zh: key for key, zh in FIELDS.items()}
# The hotline's own words for an order it has closed (办结/已关闭) or withdrawn (撤单).
CLOSED_WORDS = {"已办结", "办结", "已关闭", "关闭", "撤单", "已撤单"}
MAX_RECORDS = 5000


class OrderImportError(Exception):
    """The batch has problems; ``problems`` lists them by record, nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)  # case references
    updated: list[str] = field(default_factory=list)
    unmapped: set[str] = field(default_factory=set)  # hotline categories filed as "other"


# -------------------------------------------------------------------------- reading


def _normalise(record: dict) -> dict:
    out = {}
    for key, value in record.items():
        name = HEADINGS.get(str(key).strip(), str(key).strip())
        if name in FIELDS:
            out[name] = value
    return out


def read_json(data: bytes) -> list[tuple[str, dict]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise OrderImportError(["the file is not JSON (UTF-8)"]) from None
    orders = document.get("orders") if isinstance(document, dict) else document
    if not isinstance(orders, list):
        raise OrderImportError(['the JSON must be {"orders": [...]} or a list of orders'])
    return [
        (f"record {n}", _normalise(o) if isinstance(o, dict) else {})
        for n, o in enumerate(orders, 1)
    ]


def read_csv(data: bytes) -> list[tuple[str, dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
        except UnicodeDecodeError:
            raise OrderImportError(["the file is neither UTF-8 nor GB18030 text"]) from None
    reader = csv.DictReader(io.StringIO(text))
    return [(f"line {n}", _normalise(row)) for n, row in enumerate(reader, 2)]


def read_xlsx(data: bytes) -> list[tuple[str, dict]]:
    from openpyxl import load_workbook  # heavy: only when a spreadsheet comes

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception:
        raise OrderImportError(["the file is not an XLSX workbook"]) from None
    rows = sheet.iter_rows(values_only=True)
    headings = [str(h or "").strip() for h in next(rows, [])]
    return [
        (f"row {n}", _normalise(dict(zip(headings, row, strict=False))))
        for n, row in enumerate(rows, 2)
        if any(cell not in (None, "") for cell in row)
    ]


def read_batch(name: str, data: bytes) -> list[tuple[str, dict]]:
    suffix = name.rsplit(".", 1)[-1].lower()
    reader = {"json": read_json, "csv": read_csv, "xlsx": read_xlsx}.get(suffix)
    if reader is None:
        raise OrderImportError([f"unknown file type .{suffix}: use .json, .csv or .xlsx"])
    return reader(data)


# ------------------------------------------------------------------------- checking


def _datetime(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value or "").strip().replace("/", "-")
        parsed = parse_datetime(text) or parse_datetime(text + ":00")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # the hotline writes Beijing time
    return parsed


def place_for_address(address: str) -> Place | None:
    """The building or estate the hotline's address names (the longest names that occur
    in it), else the street."""
    estates = [
        e
        for e in Place.objects.filter(kind=PlaceKind.ESTATE).only("pk", "name", "path")
        if e.name in address
    ]
    if len(estates) == 1:
        estate = estates[0]
        buildings = [
            b
            for b in Place.objects.filter(parent=estate, kind=PlaceKind.BUILDING)
            if b.name in address
        ]
        buildings.sort(key=lambda b: -len(b.name))
        return Place.objects.get(pk=(buildings[0] if buildings else estate).pk)
    return portal.default_place()


def _check(where: str, record: dict) -> tuple[dict | None, list[str]]:
    problems = []
    values = {
        k: str(record.get(k) or "").strip()
        for k in FIELDS
        if k not in ("called_at", "sign_for_due", "reply_due")
    }
    for key in REQUIRED:
        if key not in ("sign_for_due", "reply_due") and not values.get(key):
            problems.append(f"{where}: {FIELDS[key]} ({key}) is missing")
    dates = {}
    for key in ("called_at", "sign_for_due", "reply_due"):
        raw = record.get(key)
        if raw in (None, ""):
            if key in REQUIRED:
                problems.append(f"{where}: {FIELDS[key]} ({key}) is missing")
            continue
        dates[key] = _datetime(raw)
        if dates[key] is None:
            problems.append(
                f"{where}: {FIELDS[key]} ({key}) {str(raw)[:40]!r} is not a date and time"
            )
    if len(values.get("order_number", "")) > 64:
        problems.append(f"{where}: 工单编号 is longer than 64 characters")
    if len(values.get("content", "")) > 20000:
        problems.append(f"{where}: 诉求内容 is longer than 20000 characters")
    if (
        dates.get("sign_for_due")
        and dates.get("reply_due")
        and dates["reply_due"] < dates["sign_for_due"]
    ):
        problems.append(f"{where}: 答复时限 is before 签收时限")
    return ({**values, **dates} if not problems else None), problems


# -------------------------------------------------------------------------- writing


def import_orders(*, records: list[tuple[str, dict]]) -> ImportResult:
    """Create or update the cases of a batch of 12345 orders; raises ``OrderImportError``
    listing every bad record, and then writes nothing."""
    if len(records) > MAX_RECORDS:
        raise OrderImportError([f"more than {MAX_RECORDS} orders in one batch: split it"])
    checked, problems, seen = [], [], {}
    for where, record in records:
        values, found = _check(where, record)
        problems.extend(found)
        if values is None:
            continue
        number = values["order_number"]
        if number in seen:
            problems.append(f"{where}: 工单编号 {number} is already on {seen[number]}")
            continue
        seen[number] = where
        checked.append((where, values))
    if problems:
        raise OrderImportError(problems)
    mapping = dict(HotlineCategoryMap.objects.values_list("hotline_category", "category_id"))
    categories = {c.pk: c for c in Category.objects.all()}
    other = next((c for c in categories.values() if c.code == "other"), None)
    result = ImportResult()
    with transaction.atomic():
        existing = {
            o.order_number: o
            for o in HotlineOrder.objects.select_for_update()
            .select_related("case")
            .filter(order_number__in=list(seen))
        }
        for where, values in checked:
            order = existing.get(values["order_number"])
            status_word = values.get("status", "")
            if order is not None:
                order.sign_for_due = values["sign_for_due"]
                order.reply_due = values["reply_due"]
                if status_word in CLOSED_WORDS:
                    order.status = HotlineStatus.CLOSED
                order.raw = _raw(values)
                order.save()
                result.updated.append(order.case.reference)
                continue
            category = categories.get(mapping.get(values["category"])) or other
            if category is None:
                raise OrderImportError([f"{where}: 诉求类别 {values['category']!r} has no mapping"])
            if values["category"] not in mapping:
                result.unmapped.add(values["category"])
            place = place_for_address(values["address"])
            organisation = portal.receiving_organisation(place) if place else None
            if place is None or organisation is None:
                address = values["address"][:60]
                raise OrderImportError(
                    [f"{where}: no residents' committee or street office covers {address!r}"]
                )
            caller = mask_caller_name(values.get("caller", ""))
            phone = mask_caller_phone(values.get("caller_phone", ""))
            registration = services.case_register(
                actor=None,
                organisation=organisation,
                category=category,
                place=place,
                channel=Channel.HOTLINE,
                description=values["content"],
                requests=values.get("requests", ""),
                address=values["address"][:300],
                external_ref=values["order_number"],
                parties=[services.PartyData(name=caller or "12345来电人")],
            )
            HotlineOrder.objects.create(
                case=registration.case,
                order_number=values["order_number"],
                hotline_category=values["category"][:100],
                caller=caller,
                caller_phone=phone,
                called_at=values.get("called_at"),
                sign_for_due=values["sign_for_due"],
                reply_due=values["reply_due"],
                status=HotlineStatus.CLOSED
                if status_word in CLOSED_WORDS
                else HotlineStatus.RECEIVED,
                raw=_raw(values),
            )
            result.created.append(registration.case.reference)
    return result


def _raw(values: dict) -> dict:
    """The order as received, minus the caller's unmasked details (we keep only masks)."""
    kept = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in values.items()}
    kept["caller"] = mask_caller_name(kept.get("caller", ""))
    kept["caller_phone"] = mask_caller_phone(kept.get("caller_phone", ""))
    return kept
