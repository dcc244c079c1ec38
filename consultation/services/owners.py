"""The electorate from the property register (产权登记): read a CSV or XLSX file for a ballot's
scope, show what it will do (merged owners, co-owned units, the developer's unsold units),
and apply it in one transaction once confirmed; staff confirm or reject proposed merges of
owners. Bad rows are reported by line and nothing is half-imported."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Flat, Place, PlaceKind
from consultation import permissions, statute
from consultation.models import (
    BallotCampaign,
    CampaignStatus,
    ElectorateImport,
    ImportStatus,
    MergeStatus,
    Owner,
    OwnerKind,
    OwnerMergeProposal,
    Ownership,
)
from consultation.selectors import owner_identity
from core.exceptions import ActionForbidden, TransitionRefused

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

# Header → field; the register's Chinese headers and English ones are both read.
HEADERS = {
    "building": ("楼栋", "幢", "楼号", "building"),
    "flat": ("室号", "房号", "户号", "flat", "unit"),
    "floor": ("楼层", "层", "floor"),
    "area": ("专有面积", "建筑面积", "面积", "area", "area_m2"),
    "owner": ("业主", "业主姓名", "权利人", "owner", "name"),
    "identity": ("证件号", "身份证号", "产权人编号", "业主编号", "identity", "identity_key"),
    "kind": ("类型", "业主类型", "kind"),
    "share": ("份额", "share"),
    "unsold": ("未售", "未售或未交付", "unsold"),
}
REQUIRED = ("building", "flat", "floor", "area")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "未售", "未交付"}
ORGANISATION_WORDS = {"单位", "企业", "organisation", "organization", "公司"}
DEVELOPER_NAME = "开发建设单位"


def _cells(upload) -> list[list[str]]:
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TransitionRefused(_("The file is larger than 2 MB."))
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook  # loads on first use: a large library

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            return [
                ["" if v is None else str(v).strip() for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
        except Exception as exc:
            raise TransitionRefused(_("This is not a readable XLSX workbook.")) from exc
    if not name.endswith(".csv"):
        raise TransitionRefused(_("Upload the register as CSV or XLSX."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TransitionRefused(_("The CSV file is neither UTF-8 nor GB18030 text."))
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        for field, names in HEADERS.items():
            if key in {n.lower() for n in names} and field not in found:
                found[field] = index
    missing = [HEADERS[f][0] for f in REQUIRED if f not in found]
    if missing:
        raise TransitionRefused(
            _("The first row must name the columns; missing: %(cols)s.")
            % {"cols": "、".join(missing)}
        )
    return found


def _places(scope: Place) -> dict[str, list[Place]]:
    places: dict[str, list[Place]] = {}
    for place in Place.objects.filter(
        path__startswith=scope.path, kind__in=[PlaceKind.BUILDING, PlaceKind.STAIRWELL]
    ):
        places.setdefault(place.name, []).append(place)
        places.setdefault(place.full_name, []).append(place)
    return places


def parse_register(upload, scope: Place) -> list[dict]:
    """The register's rows as plain data, each checked; every bad row is reported with its
    line number, and any bad row refuses the whole file."""
    table = _cells(upload)
    table = [row for row in table if any(row)]
    if len(table) < 2:
        raise TransitionRefused(_("The file has no rows under its header."))
    if len(table) > MAX_ROWS + 1:
        raise TransitionRefused(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    cols = _columns(table[0])
    places = _places(scope)
    rows, errors = [], []
    units: dict[tuple[int, str], dict] = {}
    for line, raw in enumerate(table[1:], start=2):

        def cell(field, raw=raw):
            i = cols.get(field)
            return raw[i].strip() if i is not None and i < len(raw) else ""

        problems = []
        matches = places.get(cell("building"), [])
        if not matches:
            problems.append(
                _("no building or stairwell “%(b)s” in the scope") % {"b": cell("building")}
            )
        elif len(matches) > 1:
            problems.append(
                _("“%(b)s” names several places: write its full name") % {"b": cell("building")}
            )
        number = cell("flat")
        if not number or len(number) > 20:
            problems.append(_("the flat number is missing or too long"))
        try:
            floor = int(cell("floor"))
            if not -5 <= floor <= 200:
                raise ValueError
        except ValueError:
            problems.append(_("the floor is not a whole number"))
            floor = None
        try:
            area = Decimal(cell("area"))
            if area <= 0 or area != area.quantize(Decimal("0.01")) or area >= Decimal("1e6"):
                raise InvalidOperation
        except InvalidOperation:
            problems.append(_("the area is not a positive number of m² with at most 2 decimals"))
            area = None
        unsold = cell("unsold").lower() in TRUE_WORDS
        owner = cell("owner")
        if not owner and not unsold:
            problems.append(_("no owner (mark the unit unsold if the developer holds it)"))
        if len(owner) > 100:
            problems.append(_("the owner's name is too long"))
        share = None
        if cell("share"):
            try:
                share = Decimal(cell("share"))
                if not 0 < share <= 1:
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(_("the share is not a number above 0 and at most 1"))
        if not problems:
            place = matches[0]
            known = units.setdefault(
                (place.pk, number), {"floor": floor, "area": area, "line": line}
            )
            if (known["floor"], known["area"]) != (floor, area):
                problems.append(
                    _("floor or area differ from line %(line)s for the same flat")
                    % {"line": known["line"]}
                )
        if problems:
            errors.append(
                _("Line %(line)s: %(problems)s.") % {"line": line, "problems": "；".join(problems)}
            )
            continue
        kind = (
            OwnerKind.ORGANISATION
            if unsold or cell("kind").lower() in ORGANISATION_WORDS
            else OwnerKind.PERSON
        )
        rows.append(
            {
                "line": line,
                "place": matches[0].pk,
                "building": matches[0].full_name,
                "flat": number,
                "floor": floor,
                "area": str(area),
                "owner": owner or DEVELOPER_NAME,
                "identity": statute.mask_identity(cell("identity")),
                "kind": kind,
                "share": str(share) if share is not None else "",
                "unsold": unsold,
            }
        )
    shares: dict[tuple[int, str], Decimal] = {}
    for row in rows:
        if row["share"]:
            key = (row["place"], row["flat"])
            shares[key] = shares.get(key, Decimal(0)) + Decimal(row["share"])
            if shares[key] > 1:
                errors.append(
                    _("Line %(line)s: %(problems)s.")
                    % {
                        "line": row["line"],
                        "problems": _("the shares of this flat add up to more than 1"),
                    }
                )
    if errors:
        raise TransitionRefused(*errors)
    return rows


def _require(campaign: BallotCampaign, actor) -> None:
    if not permissions.can_run_ballot(campaign, actor):
        raise ActionForbidden(_("You are not allowed to import this ballot's electorate."))
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.ANNOUNCED):
        raise TransitionRefused(_("The electorate is frozen once the ballot opens."))


def electorate_import_read(*, campaign: BallotCampaign, actor, upload) -> ElectorateImport:
    """Read the register for the ballot's scope and keep it for preview (nothing is applied)."""
    _require(campaign, actor)
    rows = parse_register(upload, campaign.scope)
    return ElectorateImport.objects.create(
        campaign=campaign,
        file_name=(getattr(upload, "name", "") or "")[:200],
        rows=rows,
        uploaded_by=actor,
    )


def electorate_import_apply(*, electorate_import: ElectorateImport, actor) -> int:
    """Apply a previewed import in one transaction: the units' floor and area, their owners
    as persons and their shares; the units' previous ownerships are replaced. Returns the
    number of units."""
    campaign = electorate_import.campaign
    _require(campaign, actor)
    with transaction.atomic():
        locked = ElectorateImport.objects.select_for_update().get(pk=electorate_import.pk)
        if locked.status != ImportStatus.PREVIEW:
            raise TransitionRefused(_("This import has already been applied or discarded."))
        flats: dict[tuple[int, str], Flat] = {}
        for row in locked.rows:
            key = (row["place"], row["flat"])
            if key not in flats:
                flat, _created = Flat.objects.update_or_create(
                    place_id=row["place"],
                    number=row["flat"],
                    defaults={"floor": row["floor"], "area_m2": Decimal(row["area"])},
                )
                flats[key] = flat
        Ownership.objects.filter(flat__in=flats.values()).delete()
        owners: dict[str, Owner] = {}
        per_flat: dict[int, list[tuple[Owner, str]]] = {}
        for row in locked.rows:
            ident = owner_identity(row)
            owner = owners.get(ident)
            if owner is None:
                owner = _find_or_create_owner(row)
                owners[ident] = owner
            per_flat.setdefault(flats[(row["place"], row["flat"])].pk, []).append(
                (owner, row["share"])
            )
        for flat_id, holders in per_flat.items():
            equal = (Decimal(1) / len(holders)).quantize(Decimal("0.0001"))
            seen = set()
            for owner, share in holders:
                if owner.pk in seen:
                    continue
                seen.add(owner.pk)
                Ownership.objects.create(
                    owner=owner,
                    flat_id=flat_id,
                    share=Decimal(share) if share else equal,
                )
        locked.status = ImportStatus.APPLIED
        locked.applied_at = timezone.now()
        locked.save(update_fields=["status", "applied_at"])
    return len(flats)


def _find_or_create_owner(row: dict) -> Owner:
    if row["unsold"]:
        owner = Owner.objects.filter(
            is_developer=True, name=row["owner"], merged_into__isnull=True
        ).first()
        return owner or Owner.objects.create(
            kind=OwnerKind.ORGANISATION, name=row["owner"], is_developer=True
        )
    if row["identity"]:
        owner = Owner.objects.filter(identity_key=row["identity"], merged_into__isnull=True).first()
        return owner or Owner.objects.create(
            kind=row["kind"], name=row["owner"], identity_key=row["identity"]
        )
    return Owner.objects.create(kind=row["kind"], name=row["owner"])


def electorate_import_discard(*, electorate_import: ElectorateImport, actor) -> None:
    """Discard a previewed import (nothing of it was applied)."""
    _require(electorate_import.campaign, actor)
    ElectorateImport.objects.filter(pk=electorate_import.pk, status=ImportStatus.PREVIEW).update(
        status=ImportStatus.DISCARDED
    )


def merge_decide(*, proposal: OwnerMergeProposal, actor, merge: bool) -> OwnerMergeProposal:
    """Confirm (the owners are one person: their units move to the first) or reject a
    proposed merge. Nothing is merged without this decision."""
    if not permissions.covers_place(actor, proposal.building):
        raise ActionForbidden(_("This building is not in your area."))
    with transaction.atomic():
        locked = OwnerMergeProposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != MergeStatus.PROPOSED:
            raise TransitionRefused(_("This proposal has already been decided. Reload the page."))
        if merge:
            owners = list(locked.owners.order_by("pk"))
            keep, others = owners[0], owners[1:]
            for other in others:
                for ownership in Ownership.objects.filter(owner=other):
                    if Ownership.objects.filter(owner=keep, flat=ownership.flat_id).exists():
                        ownership.delete()
                    else:
                        ownership.owner = keep
                        ownership.save(update_fields=["owner"])
                other.merged_into = keep
                other.save(update_fields=["merged_into"])
        locked.status = MergeStatus.MERGED if merge else MergeStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked
