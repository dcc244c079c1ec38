"""The parties of a case: applicants, respondents and third parties, with their contact
details (personal data: shown only to who needs it, phone numbers masked elsewhere)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case
from casework.phones import phone_key
from casework.privacy import (
    PURPOSE_CASE,
    PURPOSE_CONTACT,
    SEEN_BY_CASE_STAFF,
    SEEN_FULL_ON_REQUEST,
    SEEN_MASKED,
)
from core.choices import QuickDisplayMixin
from core.fields import EncryptedCharField
from core.masking import mask_phone


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD_PARTY = "third_party", _("Third party")


class PartyKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    ENTERPRISE = "enterprise", _("Enterprise")
    PROPERTY_COMPANY = "property_company", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")


class Party(QuickDisplayMixin, models.Model):
    """A person or body taking part in a case. Personal data: shown only to who needs it."""

    # The personal data this model holds, for the processing register (casework.privacy,
    # PIPL Art. 55 个人信息处理活动记录): field -> (purpose, who sees it, retention kind).
    PERSONAL_DATA = {
        "name": (PURPOSE_CASE, SEEN_BY_CASE_STAFF, "identity"),
        "phone": (PURPOSE_CONTACT, SEEN_MASKED, "contact"),
        "address": (PURPOSE_CONTACT, SEEN_FULL_ON_REQUEST, "contact"),
        "email": (PURPOSE_CONTACT, SEEN_FULL_ON_REQUEST, "contact"),
    }

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    kind = models.CharField(
        _("kind"), max_length=24, choices=PartyKind.choices, default=PartyKind.RESIDENT
    )
    name = models.CharField(_("name"), max_length=200)
    # Encrypted at rest (core.crypto, #27): the column holds only sealed tokens.
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True)
    # What phone look-ups search (casework.phones.phone_key): the keyed hash (HMAC-SM3) of
    # the number's normal form. Kept by save(); set it in bulk_create.
    phone_key = models.CharField(_("phone look-up key"), max_length=64, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = EncryptedCharField(_("address"), max_length=300, blank=True)
    merged_from = models.ForeignKey(
        Case,
        verbose_name=_("joined from case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["case_id", "role", "id"]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        self.phone_key = phone_key(self.phone)
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
