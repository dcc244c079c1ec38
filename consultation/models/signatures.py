"""Signatures on consultation's records: an attendee's on the minutes, and a party's or a
staff member's on a mediation session's record or on the agreement — each a signature
with its time, or a refusal recorded with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models import Party
from core.names import person_name


class SignatureBase(models.Model):
    """What every signature records: signed when, or refused (with a note), and who
    entered it (a signature on paper is entered by the officer)."""

    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    refused = models.BooleanField(_("refused to sign"), default=False)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def state(self) -> str:
        return "refused" if self.refused else str(self.signed_at)


def signed_or_refused(name: str) -> models.CheckConstraint:
    """A signature is either signed (with its time) or refused (without one), never both:
    the database constraint each signature model carries under its own ``name``."""
    return models.CheckConstraint(
        condition=(Q(refused=True) & Q(signed_at__isnull=True))
        | (Q(refused=False) & Q(signed_at__isnull=False)),
        name=name,
    )


class SignerRole(models.TextChoices):
    PARTY = "party", _("Party")
    MEDIATOR = "mediator", _("Mediator")
    RECORDER = "recorder", _("Recorder")


@dataclass(frozen=True)
class Signer:
    """Someone who signs a mediation record: a party of the case, or a staff member."""

    party: Party | None = None
    user: object | None = None
    role: str = SignerRole.PARTY

    @property
    def name(self) -> str:
        return self.party.name if self.party is not None else person_name(self.user)

    @property
    def key(self) -> str:
        return f"p{self.party.pk}" if self.party is not None else f"u{self.user.pk}"


class MediationSignature(SignatureBase):
    """A signature (or a recorded refusal) on a session record or on the agreement."""

    session = models.ForeignKey(
        "consultation.MediationSession",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    agreement = models.ForeignKey(
        "consultation.Agreement",
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    role = models.CharField(_("signed as"), max_length=10, choices=SignerRole.choices)
    party = models.ForeignKey(
        Party,
        verbose_name=_("party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("mediation signature")
        verbose_name_plural = _("mediation signatures")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=True, agreement__isnull=False)
                | Q(session__isnull=False, agreement__isnull=True),
                name="mediation_signature_on_one_record",
            ),
            models.CheckConstraint(
                condition=Q(party__isnull=True, user__isnull=False)
                | Q(party__isnull=False, user__isnull=True),
                name="mediation_signature_one_signer",
            ),
            signed_or_refused("mediation_signature_signed_xor_refused"),
            models.UniqueConstraint(
                fields=["session", "party"],
                condition=Q(session__isnull=False, party__isnull=False),
                name="session_party_signs_once",
            ),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(session__isnull=False, user__isnull=False),
                name="session_user_signs_once",
            ),
            models.UniqueConstraint(
                fields=["agreement", "party"],
                condition=Q(agreement__isnull=False, party__isnull=False),
                name="agreement_party_signs_once",
            ),
            models.UniqueConstraint(
                fields=["agreement", "user"],
                condition=Q(agreement__isnull=False, user__isnull=False),
                name="agreement_user_signs_once",
            ),
        ]

    def __str__(self):
        return f"{self.name}: {self.state}"


def pending_signers(record) -> list[Signer]:
    """Who has still to sign ``record`` (a session or the agreement): its signers without
    a signature or a recorded refusal."""
    done = {(f"p{s.party_id}" if s.party_id else f"u{s.user_id}") for s in record.signatures.all()}
    return [signer for signer in record.signers() if signer.key not in done]
