"""The archive register (档案): every archived document with its checksum, size and
retention (DOMAIN.md §8). Rows are written once and never changed or deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultation.models.minutes import Minutes
from core.exceptions import ImmutableRecord


def archive_path(instance, filename) -> str:
    """Where an archived file is stored: by year, named by its archival number."""
    return f"archive/{timezone.now():%Y}/{instance.archival_number}.pdf"


# What the PDF pipeline (core.pdf) writes: PDF/A-3b, the record's data embedded.
ARCHIVE_FORMAT = "PDF/A-3b"
PERMANENT = "permanent"


def retention_years_of(value) -> int | None:
    """A retention setting as stored: ``"permanent"`` (or None) → None, else whole years."""
    if value is None or value == PERMANENT:
        return None
    return int(value)


class ArchiveRecord(models.Model):
    """One archived document (档案): the file, its checksum, and how long it is kept."""

    archival_number = models.CharField(_("archival number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    minutes = models.OneToOneField(
        Minutes,
        verbose_name=_("minutes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archive_record",
    )
    ballot = models.OneToOneField(
        "consultation.BallotCampaign",
        verbose_name=_("ballot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archive_record",
    )
    agreement = models.OneToOneField(
        "consultation.Agreement",
        verbose_name=_("mediation agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archive_record",
    )
    dossier = models.OneToOneField(
        "consultation.Mediation",
        verbose_name=_("mediation dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier_record",
    )
    file = models.FileField(_("file"), upload_to=archive_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    # DOMAIN.md §8: the format archives accept (PDF/A, GB/T 23286 = ISO 19005) and the
    # retention — permanent (永久), or a number of years (30, 10: a setting per kind).
    format = models.CharField(_("format"), max_length=20, default=ARCHIVE_FORMAT)
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years)"), null=True, blank=True, help_text=_("Empty: kept permanently.")
    )
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archived at"), default=timezone.now)

    class Meta:
        verbose_name = _("archive record")
        verbose_name_plural = _("archive register")
        ordering = ["-archived_at", "-id"]

    def __str__(self):
        return self.archival_number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord(_("Archive records cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(_("Archive records cannot be deleted."))

    @property
    def is_permanent(self) -> bool:
        return self.retention_years is None

    @property
    def retention_label(self) -> str:
        if self.retention_years is None:
            return str(_("permanent"))
        return str(_("%(n)d years") % {"n": self.retention_years})
