"""Organisations, memberships (user + organisation + role) and grievance categories."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.models.places import Place
from casework.roles import Role

# --------------------------------------------------------------------- organisations


class OrgKind(models.TextChoices):
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    MEDIATION_COMMITTEE = "mediation_committee", _("People's mediation committee")
    STREET_OFFICE = "street_office", _("Street office")
    PROPERTY_COMPANY = "property_company", _("Property management company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    POLICE_STATION = "police_station", _("Police station")
    URBAN_MANAGEMENT = "urban_management", _("Urban-management enforcement")
    JUSTICE_OFFICE = "justice_office", _("Justice office")
    HOUSING_OFFICE = "housing_office", _("Housing office")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    ECOLOGY = "ecology", _("Ecology and environment")
    MARKET_REGULATION = "market_regulation", _("Market regulation")
    OTHER_AGENCY = "other_agency", _("Other agency")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    places = models.ManyToManyField(
        Place,
        verbose_name=_("places covered"),
        related_name="organisations",
        blank=True,
        help_text=_("The organisation covers these places and everything under them."),
    )
    email = models.EmailField(_("e-mail for notices"), blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Who changed what, before and after (the places covered decide what staff see).
    history = HistoricalRecords(m2m_fields=[places])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """Ties a user to an organisation with one role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    daily_digest = models.BooleanField(
        _("daily e-mail of what waits"),
        default=False,
        help_text=_("Send this person, each morning, the list of what waits for them."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


# ------------------------------------------------------------------------ categories


class Category(models.Model):
    """An editable grievance category with its default time limit and receiving body."""

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Stable code, e.g. for Open311.")
    )
    name = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    time_limit_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"), default=5, validators=[MinValueValidator(1)]
    )
    default_org_kind = models.CharField(
        _("default receiving organisation kind"),
        max_length=32,
        choices=OrgKind.choices,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # Open311 service attributes (GeoReport v2 "service definition"): a list of
    # {"code", "datatype", "required", "description", "description_zh", "values": [{"key",
    # "name", "name_zh"}]}. Empty: casework.open311 offers its small default definition.
    attributes = models.JSONField(_("Open311 attributes"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language."""
        lang = translation.get_language() or ""
        return self.name_zh if lang.startswith("zh") and self.name_zh else self.name
