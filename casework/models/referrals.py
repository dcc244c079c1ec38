"""Referrals (转办单/工单): a case sent to an agency, a property company or an owners'
committee, each with its own state machine and clock (DOMAIN.md §3).

Transition bodies only stamp fields on this row; ``casework.referrals`` (the service)
locks, checks permissions, logs the event and moves the case between waiting and work.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from casework import permissions
from casework.calendar import add_working_days, working_days_between
from casework.models.organisations import Organisation, OrgKind
from core.choices import QuickDisplayMixin
from core.exceptions import TransitionRefused
from core.fields import StateField
from core.transitions import required


class ReferralStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("Dispatched, awaiting sign-for")
    SIGNED_FOR = "signed_for", _("Signed for, in hand")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned")
    RECALLED = "recalled", _("Recalled")


OPEN_REFERRAL_STATUSES = frozenset(
    {
        ReferralStatus.DISPATCHED,
        ReferralStatus.SIGNED_FOR,
        ReferralStatus.RETURN_REQUESTED,
        ReferralStatus.EXTENSION_REQUESTED,
        ReferralStatus.REPLIED,
    }
)
# Where the receiving organisation's reply clock runs (it owes a reply).
REPLY_CLOCK_STATUSES = frozenset({ReferralStatus.SIGNED_FOR, ReferralStatus.EXTENSION_REQUESTED})

# Organisation kinds a case can be referred to (not the neighbourhood's own bodies).
RECEIVING_KINDS = [
    OrgKind.PROPERTY_COMPANY,
    OrgKind.OWNERS_COMMITTEE,
    OrgKind.POLICE_STATION,
    OrgKind.URBAN_MANAGEMENT,
    OrgKind.JUSTICE_OFFICE,
    OrgKind.HOUSING_OFFICE,
    OrgKind.PROCURATORATE,
    OrgKind.ECOLOGY,
    OrgKind.MARKET_REGULATION,
    OrgKind.OTHER_AGENCY,
]


class ReferralRole(models.TextChoices):
    LEAD = "lead", _("Lead (主办)")
    ASSISTING = "assisting", _("Assisting (协办)")


class ReferralKind(models.TextChoices):
    """What is asked of the organisation; sets the reply time limit (a setting)."""

    ENQUIRY = "enquiry", _("Enquiry")
    COMPLAINT = "complaint", _("Complaint")
    HELP_REQUEST = "help_request", _("Request for help")


class ReturnReason(models.TextChoices):
    WRONG_TERRITORY = "wrong_territory", _("Wrong territory (属地不符)")
    WRONG_FUNCTION = "wrong_function", _("Wrong function (职能不符)")
    UNCLEAR_OWNERSHIP = "unclear_ownership", _("Unclear ownership (权属不清)")
    DUPLICATE = "duplicate", _("Duplicate (重复)")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


def _reply_limit(kind: str) -> int:
    return settings.LINLI["REFERRAL_REPLY_WORKING_DAYS"][kind]


def extension_cap(referral) -> dt.date:
    """The latest reply date an extension can reach: the complex-matter limit, 15 working
    days counted from receipt (the day the order was dispatched to the organisation; the
    12345 scheme's 1/5/15, DOMAIN.md §3; ``REFERRAL_EXTENSION_MAX_WORKING_DAYS``)."""
    received = timezone.localdate(referral.dispatched_at)
    return add_working_days(received, settings.LINLI["REFERRAL_EXTENSION_MAX_WORKING_DAYS"])


def extension_refusal(referral, today: dt.date | None = None) -> str:
    """Why the organisation may not ask for an extension now, or ``""`` if it may:
    one extension per referral, asked before the reply deadline, within the cap."""
    today = today or timezone.localdate()
    if referral.extension_requested_at is not None:
        return str(_("This referral's one extension has already been requested."))
    if referral.reply_due < today:
        return str(
            _("The reply was due %(due)s: an extension must be asked for before the deadline.")
            % {"due": referral.reply_due.isoformat()}
        )
    if referral.reply_due >= extension_cap(referral):
        return str(
            _(
                "The reply deadline (%(due)s) already reaches the limit of %(limit)d working "
                "days from receipt."
            )
            % {
                "due": referral.reply_due.isoformat(),
                "limit": settings.LINLI["REFERRAL_EXTENSION_MAX_WORKING_DAYS"],
            }
        )
    return ""


def _extension_allowed(referral) -> bool:
    return not extension_refusal(referral)


_extension_allowed.explain = extension_refusal  # the refusal names its reason


class Referral(QuickDisplayMixin, ConcurrentTransitionMixin, models.Model):
    """One case sent to one organisation (lead or assisting) with its own clock."""

    case = models.ForeignKey(
        "casework.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    role = models.CharField(_("role"), max_length=12, choices=ReferralRole.choices)
    kind = models.CharField(_("type"), max_length=16, choices=ReferralKind.choices)
    instructions = models.TextField(_("what is asked of the organisation"), max_length=5000)
    needs_contact = models.BooleanField(
        _("the organisation must contact the resident"),
        default=False,
        help_text=_("Only then does the organisation see the parties' phone numbers."),
    )
    status = StateField(
        _("status"), choices=ReferralStatus.choices, default=ReferralStatus.DISPATCHED
    )
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    sign_due = models.DateField(_("sign for by"))
    reply_due = models.DateField(_("reply due"), db_index=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed for by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.CharField(
        _("return reason"), max_length=24, choices=ReturnReason.choices, blank=True
    )
    extension_days = models.PositiveSmallIntegerField(
        _("extension asked (working days)"), null=True, blank=True
    )
    # One extension per referral (DOMAIN.md §3): when it was asked, so a second is refused.
    extension_requested_at = models.DateTimeField(
        _("extension requested at"), null=True, blank=True, editable=False
    )
    request_note = models.TextField(_("the organisation's request"), blank=True)
    # Stamped when signed for / replied (by the dates then in force): the monthly report
    # counts these flags instead of converting every timestamp to a local date.
    signed_in_time = models.BooleanField(_("signed for in time"), null=True, editable=False)
    replied_in_time = models.BooleanField(_("replied in time"), null=True, editable=False)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    under_supervision = models.BooleanField(_("under supervision (督办)"), default=False)
    # The overdue period already chased ("sign:<date>" or "reply:<date>"): the SLA sweep
    # chases once per period, however often cron runs it.
    chased_for = models.CharField(_("chased for"), max_length=32, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-dispatched_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="referral_org_status"),
            models.Index(fields=["case", "status"], name="referral_case_status"),
        ]
        constraints = [
            # One open lead per case: the lead answers for the outcome.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(role="lead")
                & Q(
                    status__in=[
                        "dispatched",
                        "signed_for",
                        "return_requested",
                        "extension_requested",
                        "replied",
                    ]
                ),
                name="referral_one_open_lead",
            ),
        ]

    def __str__(self):
        return f"{self.case_id} → {self.organisation_id} ({self.get_status_display()})"

    # -- derived state --

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    @property
    def current_due(self):
        """The deadline the organisation is working to now (None once it has replied)."""
        if self.status == ReferralStatus.DISPATCHED:
            return self.sign_due
        if self.status in REPLY_CLOCK_STATUSES or self.status == ReferralStatus.RETURN_REQUESTED:
            return self.reply_due
        return None

    @property
    def overdue_period(self) -> str:
        """``sign:<date>`` or ``reply:<date>`` while overdue, else ``""``."""
        today = timezone.localdate()
        if self.status == ReferralStatus.DISPATCHED and self.sign_due < today:
            return f"sign:{self.sign_due.isoformat()}"
        if self.status in REPLY_CLOCK_STATUSES and self.reply_due < today:
            return f"reply:{self.reply_due.isoformat()}"
        return ""

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue_period)

    # -- the state machine (DOMAIN.md §3) --

    @transition(
        field=status,
        source=ReferralStatus.DISPATCHED,
        target=ReferralStatus.SIGNED_FOR,
        permission=permissions.can_receive_referral,
        custom={"label": _("Sign for"), "side": "organisation"},
    )
    def sign_for(self, *, actor=None, **_params):
        self.signed_at = timezone.now()
        self.signed_by = actor
        self.signed_in_time = timezone.localdate(self.signed_at) <= self.sign_due

    @transition(
        field=status,
        source=[ReferralStatus.DISPATCHED, ReferralStatus.SIGNED_FOR],
        target=ReferralStatus.RETURN_REQUESTED,
        permission=permissions.can_receive_referral,
        custom={
            "label": _("Request return"),
            "needs": ["return_reason", "reason"],
            "side": "organisation",
        },
    )
    def request_return(self, *, return_reason: str = "", reason: str = "", **_params):
        if return_reason not in ReturnReason.values:
            raise TransitionRefused(_("Choose why the referral should be returned."))
        self.return_reason = return_reason
        self.request_note = required(reason, _("Explain why the referral should be returned."))

    @transition(
        field=status,
        source=ReferralStatus.RETURN_REQUESTED,
        target=ReferralStatus.RETURNED,
        permission=permissions.can_dispatch_referral,
        custom={"label": _("Accept the return"), "side": "street"},
    )
    def approve_return(self, **_params):
        self.ended_at = timezone.now()

    @transition(
        field=status,
        source=ReferralStatus.RETURN_REQUESTED,
        target=ReferralStatus.SIGNED_FOR,
        permission=permissions.can_dispatch_referral,
        custom={"label": _("Refuse the return"), "needs": ["reason"], "side": "street"},
    )
    def refuse_return(self, *, reason: str = "", **_params):
        required(reason, _("Say why the organisation must keep the referral."))
        self.return_reason = ""
        if self.signed_at is None:  # refusing a return made before signing counts as signed
            self.signed_at = timezone.now()
            self.signed_in_time = timezone.localdate(self.signed_at) <= self.sign_due

    @transition(
        field=status,
        source=ReferralStatus.SIGNED_FOR,
        target=ReferralStatus.EXTENSION_REQUESTED,
        conditions=[_extension_allowed],
        permission=permissions.can_receive_referral,
        custom={
            "label": _("Request extension"),
            "needs": ["days", "reason"],
            "side": "organisation",
        },
    )
    def request_extension(self, *, days=None, reason: str = "", **_params):
        cap = extension_cap(self)
        limit = working_days_between(self.reply_due, cap)
        try:
            days = int(days)
        except (TypeError, ValueError):
            days = 0
        problems = []
        if not 1 <= days <= limit:
            problems.append(
                _(
                    "Ask for between 1 and %(limit)d more working days: the reply is due "
                    "within %(total)d working days of receipt, by %(cap)s at the latest."
                )
                % {
                    "limit": limit,
                    "total": settings.LINLI["REFERRAL_EXTENSION_MAX_WORKING_DAYS"],
                    "cap": cap.isoformat(),
                }
            )
        if not (reason or "").strip():
            problems.append(_("Explain why more time is needed."))
        if problems:
            raise TransitionRefused(*problems)
        self.extension_days = days
        self.request_note = reason.strip()
        self.extension_requested_at = timezone.now()

    @transition(
        field=status,
        source=ReferralStatus.EXTENSION_REQUESTED,
        target=ReferralStatus.SIGNED_FOR,
        permission=permissions.can_supervise_referral,
        custom={"label": _("Approve the extension"), "side": "street"},
    )
    def approve_extension(self, **_params):
        # A supervisor's decision (DOMAIN.md §3); never past the cap from receipt.
        extended = add_working_days(self.reply_due, self.extension_days or 0)
        self.reply_due = min(extended, extension_cap(self))

    @transition(
        field=status,
        source=ReferralStatus.EXTENSION_REQUESTED,
        target=ReferralStatus.SIGNED_FOR,
        permission=permissions.can_supervise_referral,
        custom={"label": _("Refuse the extension"), "needs": ["reason"], "side": "street"},
    )
    def refuse_extension(self, *, reason: str = "", **_params):
        required(reason, _("Say why the extension is refused."))

    @transition(
        field=status,
        source=ReferralStatus.SIGNED_FOR,
        target=ReferralStatus.REPLIED,
        permission=permissions.can_receive_referral,
        custom={"label": _("Reply"), "needs": ["reply"], "side": "organisation"},
    )
    def send_reply(self, *, reply: str = "", **_params):
        self.reply = required(reply, _("Write the reply: what was done and the result."))
        self.replied_at = timezone.now()
        self.replied_in_time = timezone.localdate(self.replied_at) <= self.reply_due

    @transition(
        field=status,
        source=ReferralStatus.REPLIED,
        target=ReferralStatus.CLOSED,
        permission=permissions.can_dispatch_referral,
        custom={"label": _("Accept the reply"), "side": "street"},
    )
    def accept_reply(self, **_params):
        self.ended_at = timezone.now()

    @transition(
        field=status,
        source=ReferralStatus.REPLIED,
        target=ReferralStatus.SIGNED_FOR,
        permission=permissions.can_dispatch_referral,
        custom={"label": _("Send back for rework"), "needs": ["reason"], "side": "street"},
    )
    def send_back(self, *, reason: str = "", **_params):
        required(reason, _("Say what must be reworked."))
        self.reply_due = add_working_days(timezone.localdate(), _reply_limit(self.kind))

    @transition(
        field=status,
        source=[
            ReferralStatus.DISPATCHED,
            ReferralStatus.SIGNED_FOR,
            ReferralStatus.EXTENSION_REQUESTED,
        ],
        target=ReferralStatus.RECALLED,
        permission=permissions.can_dispatch_referral,
        custom={"label": _("Recall"), "needs": ["reason"], "side": "street"},
    )
    def recall(self, *, reason: str = "", **_params):
        required(reason, _("Say why the referral is recalled."))
        self.ended_at = timezone.now()
