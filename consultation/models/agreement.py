"""The people's mediation agreement (人民调解协议书): its terms, each party's obligations,
the committee's seal, when it took effect and the parties' decision on joint judicial
confirmation (司法确认).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Party
from consultation.models.mediation import Mediation
from consultation.models.signatures import Signer, SignerRole

# 人民调解法 Art. 27: mediation is recorded (调解记录); the agreement follows the record.
NO_SESSION_YET = _(
    "No session is recorded yet: an agreement is signed and sealed only after at least one "
    "session record."
)


class JudicialStatus(models.TextChoices):
    PENDING = "pending", _("Not yet decided")
    FILED = "filed", _("Filed with the court")
    DECLINED = "declined", _("Parties declined")


class Agreement(models.Model):
    """The people's mediation agreement (人民调解协议书)."""

    mediation = models.OneToOneField(
        Mediation, verbose_name=_("mediation"), on_delete=models.PROTECT, related_name="agreement"
    )
    facts = models.TextField(_("facts"), max_length=10000)
    disputed_matters = models.TextField(_("disputed matters"), max_length=10000)
    performance_manner = models.CharField(_("manner of performance"), max_length=500)
    performance_place = models.CharField(_("place of performance"), max_length=300)
    performance_deadline = models.DateField(_("performance deadline"))
    sealed_at = models.DateTimeField(_("committee seal marked at"), null=True, blank=True)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seal marked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    effective_at = models.DateTimeField(_("in effect since"), null=True, blank=True)
    # Joint application for judicial confirmation (司法确认) within 30 days of effect.
    judicial_deadline = models.DateField(_("judicial confirmation by"), null=True, blank=True)
    judicial_status = models.CharField(
        _("judicial confirmation"),
        max_length=10,
        choices=JudicialStatus.choices,
        default=JudicialStatus.PENDING,
    )
    judicial_recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    judicial_note = models.TextField(_("judicial confirmation note"), blank=True, max_length=2000)
    # A filing recorded after the legal last day: accepted only with the reason (a court
    # may still hear why), flagged on the case and counted in the reports.
    judicial_late = models.BooleanField(_("filed after the legal last day"), default=False)
    judicial_late_reason = models.TextField(
        _("why the filing was late"), blank=True, max_length=2000
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drafted_at = models.DateTimeField(_("drafted at"), default=timezone.now)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        # The dashboard's judicial-confirmation reminders, soonest first: only agreements
        # in effect with the decision pending (at 20,000 mediations, 30 ms -> 0.1 ms).
        indexes = [
            models.Index(
                fields=["judicial_deadline"],
                name="agreement_judicial_open",
                condition=Q(judicial_status="pending", effective_at__isnull=False),
            )
        ]

    def __str__(self):
        return str(_("Agreement %(number)s") % {"number": self.mediation.number})

    @property
    def in_effect(self) -> bool:
        return self.effective_at is not None

    @property
    def judicial_reminder_due(self) -> bool:
        """Remind of joint judicial confirmation: in effect, undecided, and the legal last
        day (民事诉讼法 Art. 85, ``judicial_deadline``) not yet past."""
        return (
            self.in_effect
            and self.judicial_status == JudicialStatus.PENDING
            and self.judicial_deadline is not None
            and timezone.localdate() <= self.judicial_deadline
        )

    @property
    def judicial_window_closed(self) -> bool:
        """In effect, undecided, and the legal last day has passed."""
        return (
            self.in_effect
            and self.judicial_status == JudicialStatus.PENDING
            and self.judicial_deadline is not None
            and timezone.localdate() > self.judicial_deadline
        )

    @property
    def judicial_days_left(self) -> int | None:
        if self.judicial_deadline is None:
            return None
        return (self.judicial_deadline - timezone.localdate()).days

    def signers(self) -> list[Signer]:
        """Who may sign: every party of the case (all must) and the mediation's mediators
        (one must)."""
        people = [Signer(party=p) for p in self.mediation.case.parties.all()]
        people += [
            Signer(user=u, role=SignerRole.MEDIATOR)
            for u in self.mediation.mediators.order_by("username")
        ]
        return people

    def unmet(self) -> list[str]:
        """What still keeps the agreement from taking effect, in words."""
        problems = []
        signatures = list(self.signatures.all())
        signed_parties = {s.party_id for s in signatures if s.party_id and not s.refused}
        for signer in self.signers():
            if signer.party is not None and signer.party.pk not in signed_parties:
                problems.append(
                    str(_("%(name)s (%(role)s) has not signed."))
                    % {"name": signer.party.name, "role": signer.party.get_role_display()}
                )
        mediator_ids = set(self.mediation.mediators.values_list("pk", flat=True))
        if not any(s.user_id in mediator_ids and not s.refused for s in signatures):
            problems.append(str(_("No mediator has signed.")))
        if self.sealed_at is None:
            problems.append(str(_("The committee's seal is not marked.")))
        if not self.mediation.sessions.exists():
            problems.append(str(NO_SESSION_YET))
        if not self.obligations.exists():
            problems.append(str(_("The agreement states no obligations.")))
        return problems


class Obligation(models.Model):
    """What one party undertakes under the agreement."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("obligation"), max_length=5000)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["agreement_id", "id"]

    def __str__(self):
        return f"{self.party.name}: {self.text[:40]}"
