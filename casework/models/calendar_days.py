"""The working-day calendar as data (see casework.calendar)."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# ------------------------------------------------------------ working-day calendar

# The calendar's version stamp in the shared cache (casework.calendar reads it before
# every computation and rereads a year when it changed).
VERSION_KEY = "linli:calendar:version"


class CalendarQuerySet(models.QuerySet):
    """Bulk writes bump the calendar's version too (``update()`` sends no signal)."""

    def delete(self):
        result = super().delete()
        calendar_changed()
        return result

    def update(self, **kwargs):
        count = super().update(**kwargs)
        calendar_changed()
        return count

    def bulk_create(self, *args, **kwargs):
        created = super().bulk_create(*args, **kwargs)
        calendar_changed()
        return created

    def bulk_update(self, *args, **kwargs):
        count = super().bulk_update(*args, **kwargs)
        calendar_changed()
        return count


class CalendarYear(models.Model):
    """Whether a year's official schedule (holidays and 调休 make-up days) is loaded.

    A year that is not published counts plain weekends, and supervisors are warned.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    published = models.BooleanField(
        _("official schedule loaded"),
        default=False,
        help_text=_("Tick once the State Council's schedule for this year is entered."),
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    history = HistoricalRecords()
    objects = CalendarQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the weekend rule: a holiday on a weekday, or a make-up
    working day (调休) on a weekend."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    history = HistoricalRecords()
    objects = CalendarQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


def calendar_changed(*_args) -> None:
    """Bump the calendar's version stamp: every process rereads the calendar at its next
    deadline computation. (Years are not told apart: edits are rare, rereading is cheap.)"""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    # Again once the change is committed: another process that reread the calendar between
    # the first bump and the commit must not keep what it read as current.
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


# Saves and deletes one by one *and* the admin's "delete selected" (``queryset.delete()``
# sends post_delete for every row: simple_history's receivers keep it from fast-deleting).
@receiver(post_save, sender=CalendarDay, dispatch_uid="calendar_day_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="calendar_day_deleted")
@receiver(post_save, sender=CalendarYear, dispatch_uid="calendar_year_saved")
@receiver(post_delete, sender=CalendarYear, dispatch_uid="calendar_year_deleted")
def _calendar_row_changed(sender, **kwargs) -> None:
    calendar_changed()
