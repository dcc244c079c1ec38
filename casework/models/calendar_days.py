"""The working-day calendar as data (see casework.calendar)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# ------------------------------------------------------------ working-day calendar


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

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        calendar_changed(self.year)


class CalendarDay(models.Model):
    """A day that differs from the weekend rule: a holiday on a weekday, or a make-up
    working day (调休) on a weekend."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        calendar_changed(self.date.year)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        calendar_changed(self.date.year)
        return result


def calendar_changed(year: int) -> None:
    cache.delete(f"linli:calendar:{year}")
