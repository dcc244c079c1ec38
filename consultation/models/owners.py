"""Owners as persons (法释〔2009〕7号 Art. 9 counts people, not flats): an owner — a person or
an organisation such as the developer —, the units they own with their share, the
proposals to merge owners that staff confirm, and an electorate import waiting for its
preview to be confirmed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.models import Flat, Place
from casework.privacy import PURPOSE_BALLOT, SEEN_BY_CASE_STAFF
from consultation import statute


class OwnerKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Owner(models.Model):
    """One owner as a person or organisation, whatever number of units they hold.

    ``identity_key`` tells two owners of the same name apart: the property register's
    owner number, or an ID number masked to its first 6 and last 4 characters — a full ID
    number is never stored here (``statute.mask_identity``)."""

    # The personal data this model holds, for the processing register (casework.privacy,
    # PIPL Art. 55 个人信息处理活动记录): field -> (purpose, who sees it, retention kind).
    PERSONAL_DATA = {
        "name": (PURPOSE_BALLOT, SEEN_BY_CASE_STAFF, "archive"),
        "identity_key": (PURPOSE_BALLOT, SEEN_BY_CASE_STAFF, "archive"),
    }

    kind = models.CharField(_("kind"), max_length=12, choices=OwnerKind.choices)
    name = models.CharField(_("name"), max_length=100)
    identity_key = models.CharField(_("identity key"), max_length=40, blank=True)
    is_developer = models.BooleanField(
        _("developer (unsold units)"),
        default=False,
        help_text=_("Units held by the developer, not yet sold or delivered, count as one owner."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("property", "owner")  # 业主; an action's owner is 责任单位
        verbose_name_plural = _("owners")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity_key"],
                condition=~Q(identity_key="") & Q(merged_into__isnull=True),
                name="owner_identity_key_once",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The model, not only the form, refuses a full ID number in clear.
        self.identity_key = statute.mask_identity(self.identity_key)
        super().save(*args, **kwargs)

    def clean(self):
        if self.identity_key and self.identity_key != statute.mask_identity(self.identity_key):
            raise ValidationError(
                {"identity_key": _("A full ID number is not stored here: it is kept masked.")}
            )


class Ownership(models.Model):
    """An owner's share of one unit (co-owners of one unit together hold 1)."""

    owner = models.ForeignKey(
        Owner,
        verbose_name=pgettext_lazy("property", "owner"),
        on_delete=models.PROTECT,
        related_name="ownerships",
    )
    flat = models.ForeignKey(
        Flat, verbose_name=_("flat"), on_delete=models.CASCADE, related_name="ownerships"
    )
    share = models.DecimalField(
        _("share"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal(1))],
    )

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        ordering = ["flat", "owner"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "flat"], name="ownership_once"),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="ownership_share_range"
            ),
        ]

    def __str__(self):
        return f"{self.owner} · {self.flat}"


class MergeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Not the same person")


class OwnerMergeProposal(models.Model):
    """Owners that may be one person (the same name on several units of one building):
    staff confirm or reject; nothing is merged silently."""

    building = models.ForeignKey(
        Place, verbose_name=_("building"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    owners = models.ManyToManyField(Owner, verbose_name=_("owners"), related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=MergeStatus.choices, default=MergeStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("proposed owner merge")
        verbose_name_plural = _("proposed owner merges")
        ordering = ["status", "building", "name"]

    def __str__(self):
        return f"{self.building} · {self.name}"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Waiting for confirmation")
    APPLIED = "applied", _("Applied")
    DISCARDED = "discarded", _("Discarded")


class ElectorateImport(models.Model):
    """A property-register file read for a ballot's scope, held as data until staff have seen
    its preview (merged owners, co-owned units, unsold units) and confirmed it."""

    campaign = models.ForeignKey(
        "consultation.BallotCampaign",
        verbose_name=_("ballot"),
        on_delete=models.CASCADE,
        related_name="imports",
    )
    file_name = models.CharField(_("file"), max_length=200)
    rows = models.JSONField(_("rows read"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("electorate import")
        verbose_name_plural = _("electorate imports")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.file_name
