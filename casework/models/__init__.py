"""Casework data, one module per concern; import models from here."""

from casework.models.api import ApiToken, Open311Request
from casework.models.calendar_days import CalendarDay, CalendarYear, calendar_changed
from casework.models.cases import (
    CLOCK_RUNNING_STATUSES,
    ENDED_STATUSES,
    OPEN_STATUSES,
    RESOLVING_OUTCOMES,
    Case,
    Channel,
    Outcome,
    Priority,
    Status,
)
from casework.models.hotline import (
    HotlineCategoryMap,
    HotlineOrder,
    HotlineOutbox,
    HotlineStatus,
    OutboxKind,
    OutboxStatus,
)
from casework.models.organisations import Category, Membership, Organisation, OrgKind
from casework.models.parties import Party, PartyKind, PartyRole, mask_phone
from casework.models.places import ALLOWED_PARENT_KIND, Flat, FlatOwner, Grid, Place, PlaceKind
from casework.models.records import (
    CaseAttachment,
    CaseEvent,
    CaseReturnVisit,
    EventKind,
    ExportKind,
    ExportLog,
    Rating,
    Score,
    VisitManner,
    attachment_path,
)
from casework.models.referrals import (
    OPEN_REFERRAL_STATUSES,
    RECEIVING_KINDS,
    Referral,
    ReferralKind,
    ReferralRole,
    ReferralStatus,
    ReturnReason,
)
from casework.models.rights import RightsKind, RightsRequest, RightsStatus
from casework.models.sms import PhoneCode, SmsMessage, SmsPurpose, SmsStatus, StageAlert
from casework.models.tallies import Tally, TallyState
from casework.roles import Role

# Migration 0004 names the attachments' upload function by this path; migrations never change.
_attachment_path = attachment_path

__all__ = [
    "ALLOWED_PARENT_KIND",
    "CLOCK_RUNNING_STATUSES",
    "ENDED_STATUSES",
    "OPEN_REFERRAL_STATUSES",
    "OPEN_STATUSES",
    "RECEIVING_KINDS",
    "RESOLVING_OUTCOMES",
    "ApiToken",
    "CalendarDay",
    "CalendarYear",
    "Case",
    "CaseAttachment",
    "CaseEvent",
    "CaseReturnVisit",
    "Category",
    "Channel",
    "EventKind",
    "ExportKind",
    "ExportLog",
    "Flat",
    "FlatOwner",
    "Grid",
    "HotlineCategoryMap",
    "HotlineOrder",
    "HotlineOutbox",
    "HotlineStatus",
    "Membership",
    "Open311Request",
    "OrgKind",
    "Organisation",
    "OutboxKind",
    "OutboxStatus",
    "Outcome",
    "Party",
    "PartyKind",
    "PartyRole",
    "PhoneCode",
    "Place",
    "PlaceKind",
    "Priority",
    "Rating",
    "Referral",
    "ReferralKind",
    "ReferralRole",
    "ReferralStatus",
    "ReturnReason",
    "RightsKind",
    "RightsRequest",
    "RightsStatus",
    "Role",
    "Score",
    "SmsMessage",
    "SmsPurpose",
    "SmsStatus",
    "StageAlert",
    "Status",
    "Tally",
    "TallyState",
    "VisitManner",
    "attachment_path",
    "calendar_changed",
    "mask_phone",
]
