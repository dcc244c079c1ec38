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

# #21, a PDF never holds a web worker: each archival document is rendered and registered
# by a background job (core.jobs) that the action — approving minutes, publishing a
# ballot's result, an agreement taking effect, archiving a case with its dossier — queues
# in its own transaction. Owner (as ArchiveRecord names it, and as the job's payload
# does) -> job kind (consultation.services.archive registers them).
MINUTES_JOB = "archive.minutes"
BALLOT_RESULT_JOB = "archive.ballot_result"
AGREEMENT_JOB = "archive.agreement"
DOSSIER_JOB = "archive.dossier"
ARCHIVE_JOBS = {
    "minutes": MINUTES_JOB,
    "ballot": BALLOT_RESULT_JOB,
    "agreement": AGREEMENT_JOB,
    "dossier": DOSSIER_JOB,
}


def retention_years_of(value) -> int | None:
    """A retention setting as stored: ``"permanent"`` (or None) → None, else whole years."""
    if value is None or value == PERMANENT:
        return None
    return int(value)


SIGNATURE_LEVELS = [
    ("B-LT", _("signed, timestamped, validation data embedded (PAdES B-LT)")),
    ("B-T", _("signed and timestamped (PAdES B-T)")),
    ("B-B", _("signed, no timestamp (PAdES B-B)")),
]


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
    # #24: the rendered document's own checksum (the first revision of the signed file),
    # which the register's chain covers; ``sha256`` above is the stored file's.
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64, blank=True)
    # The office's signature (core.signing): empty level = not signed yet (a job signs it).
    signature_level = models.CharField(
        _("signature level"), max_length=8, blank=True, choices=SIGNATURE_LEVELS
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=300, blank=True)
    signature_note = models.CharField(_("signature note"), max_length=300, blank=True)
    # The register's hash chain (core.chain): the previous row's hash and this row's.
    prev_hash = models.CharField(_("previous row hash"), max_length=64, blank=True)
    row_hash = models.CharField(_("row hash"), max_length=64, blank=True, db_index=True)

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
    def is_signed(self) -> bool:
        return bool(self.signature_level)

    def chained_fields(self) -> dict:
        """What the register's chain covers of this row (docs/archives.md): never the
        stored file's name or checksum, which signing replaces, but the rendered content's."""
        return {
            "archival_number": self.archival_number,
            "title": self.title,
            "content_sha256": self.content_sha256,
            "format": self.format,
            "retention_years": self.retention_years,
            "archived_by": self.archived_by_id,
            "archived_at": self.archived_at,
            "minutes": self.minutes_id,
            "ballot": self.ballot_id,
            "agreement": self.agreement_id,
            "dossier": self.dossier_id,
        }

    @property
    def is_permanent(self) -> bool:
        return self.retention_years is None

    @property
    def retention_label(self) -> str:
        if self.retention_years is None:
            return str(_("permanent"))
        return str(_("%(n)d years") % {"n": self.retention_years})


def anchor_path(instance, filename) -> str:
    return f"archive/anchors/{instance.day:%Y}/{instance.day:%Y-%m-%d}.pdf"


class ArchiveAnchor(models.Model):
    """The daily anchor (#24): the register's and the case logs' latest hashes on a day,
    printed in a signed, timestamped PDF to keep off-site. A later deletion of rows the
    anchor covered is detected against it."""

    day = models.DateField(_("day"), unique=True)
    register_head = models.CharField(_("register's latest hash"), max_length=64)
    register_count = models.PositiveIntegerField(_("register rows"))
    register_max_id = models.PositiveBigIntegerField(_("last register row"), default=0)
    events_digest = models.CharField(_("digest of the case logs' latest hashes"), max_length=64)
    events_count = models.PositiveIntegerField(_("case events"))
    cases_count = models.PositiveIntegerField(_("case logs"))
    events_max_id = models.PositiveBigIntegerField(_("last case event"), default=0)
    file = models.FileField(_("file"), upload_to=anchor_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    signature_level = models.CharField(_("signature level"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("archive anchor")
        verbose_name_plural = _("archive anchors")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d}"
