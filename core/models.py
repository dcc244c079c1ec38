"""The security record: an append-only table of what an auditor asks about.

Rows are only ever added. The ORM refuses to change or delete them, and so does the
database itself (triggers on PostgreSQL and SQLite, see ``core.append_only``); the one
way out is ``manage.py prune_security_events``, for rows past the retention setting.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.exceptions import ImmutableRecord


class AppendOnlyQuerySet(models.QuerySet):
    """For the logs (the security record here, the case event log and the export log in
    casework): no bulk update or delete through the ORM."""

    def update(self, **kwargs):
        raise ImmutableRecord()

    def delete(self):
        raise ImmutableRecord()


class SecurityEventKind(models.TextChoices):
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGIN_SUCCEEDED = "login_succeeded", _("Signed in")
    LOGIN_LOCKED = "login_locked", _("Sign-in locked")
    PASSWORD_RESET = "password_reset", _("Password reset requested")
    LOOKUP_FAILED = "lookup_failed", _("Wrong resident look-up")
    THROTTLED = "throttled", _("Throttled")
    API_AUTH_FAILED = "api_auth_failed", _("Failed API authentication")
    ACCESS_DENIED = "access_denied", _("Access refused")
    EXPORT = "export", _("Export")
    ADMIN_CHANGE = "admin_change", _("Change in the admin")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_CHANGED = "role_changed", _("Role changed")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    RECORD_PRUNED = "record_pruned", _("Security record pruned")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor sign-in set up")
    TWO_FACTOR_VERIFIED = "2fa_verified", _("Two-factor code accepted")
    TWO_FACTOR_FAILED = "2fa_failed", _("Wrong two-factor code")
    TWO_FACTOR_THROTTLED = "2fa_throttled", _("Two-factor code refused: waiting")
    TWO_FACTOR_RECOVERY_USED = "2fa_recovery_used", _("Recovery code used")
    TWO_FACTOR_RECOVERY_RENEWED = "2fa_recovery_renewed", _("Recovery codes renewed")
    TWO_FACTOR_RESET = "2fa_reset", _("Two-factor sign-in reset")
    PII_REVEALED = "pii_revealed", _("Full personal number shown")
    PII_KEY_ROTATED = "pii_key_rotated", _("Personal data re-encrypted")
    PII_DEIDENTIFIED = "pii_deidentified", _("Personal data de-identified")


class SecurityEvent(models.Model):
    """Who did (or tried) what, to which object, when and from where.

    ``detail`` holds parameters without personal data: hashes instead of references or
    e-mail addresses, never a status code, password, phone number or name.
    """

    kind = models.CharField(
        _("kind"), max_length=24, choices=SecurityEventKind.choices, db_index=True
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # PROTECT: an account that left a trace is deactivated, never deleted (SET_NULL would
    # be an UPDATE of this table, which the database refuses anyway).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # security_actor_time below leads with the actor
    )
    # The account name as typed (failed sign-ins) or the actor's at the time.
    username = models.CharField(_("account name"), max_length=150, blank=True)
    address = models.CharField(_("client address"), max_length=45, blank=True, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="security_kind_time"),
            models.Index(fields=["actor", "-created_at"], name="security_actor_time"),
        ]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord()


# ------------------------------------------------------------ one-time submissions


class SubmissionKey(models.Model):
    """One submission — a form's one-time token or an API ``Idempotency-Key`` — and what it
    made. The row is inserted in the same transaction as the thing it makes, under a
    unique constraint, so the same submission arriving twice at once makes one thing: the
    second insert waits for the first transaction and then finds this row
    (``core.idempotency``)."""

    scope = models.CharField(_("scope"), max_length=64)
    # The key itself is never stored: a form token is a secret of the page that holds it.
    key_hash = models.CharField(_("key hash"), max_length=64)
    fingerprint = models.CharField(_("content fingerprint"), max_length=64)
    result = models.JSONField(_("result"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_hash"], name="core_submission_key_unique"
            ),
        ]

    def __str__(self):
        return f"{self.scope} {self.key_hash[:12]}"


# ------------------------------------------------------------ yearly numbering


class YearSequence(models.Model):
    """The last number issued in a year for one numbering — case references, mediation
    serials, archival numbers — row-locked while a number is issued, so numbers are unique
    and issued in order (``core.sequences.next_number``)."""

    name = models.CharField(_("numbering"), max_length=32)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("yearly numbering")
        verbose_name_plural = _("yearly numberings")
        ordering = ["name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="core_year_sequence_once"),
        ]

    def __str__(self):
        return f"{self.name} {self.year}: {self.last}"


# ------------------------------------------------------------ the job outbox


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", pgettext_lazy("job", "Failed")


class Job(models.Model):
    """One piece of work done outside the request — a mail, an export, a scheduled
    command — written in the same transaction as the change that asks for it (a
    transactional outbox), so a crash between commit and the queue loses nothing. A
    worker claims it, runs it and marks it done; a failure is retried with backoff and,
    after the last attempt, stays here as failed for staff to see and retry (core.jobs).
    """

    kind = models.CharField(_("kind"), max_length=80, db_index=True)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=5)
    run_after = models.DateTimeField(_("run after"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    result = models.JSONField(
        pgettext_lazy("job", "result"), default=dict, encoder=DjangoJSONEncoder, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked for by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The relay's question: what is due (or stuck) now?
            models.Index(fields=["status", "run_after"], name="core_job_status_due"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"


class Profile(models.Model):
    """What a person is called (``core.names.person_name`` reads it first).

    A profile beside the user rather than a field on a casework membership: a person has
    one name however many organisations and roles they hold, the name belongs to the
    account (the admin, the sign-in page, mail) rather than to any one app, and ``core``
    must not import an app. The user model's ``first_name``/``last_name`` stay as the
    parts; the display name is the whole as the person writes it — by default the parts
    in Chinese order (张晓燕, "Hongmei Chen"), filled so by migration ``core.0006``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    display_name = models.CharField(
        _("display name"),
        max_length=100,
        blank=True,
        help_text=_(
            "How your name is written on pages, documents and mail. Chinese names: family "
            "name first, no space (张晓燕). Empty: made from the first and last name."
        ),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.display_name or str(self.user)
