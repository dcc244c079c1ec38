"""The place tree (street → area → estate → building → stairwell), grids and flats."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# --------------------------------------------------------------------------- places


class PlaceKind(models.TextChoices):
    STREET = "street", _("Street")
    AREA = "area", _("Residents' area")
    ESTATE = "estate", _("Estate")
    BUILDING = "building", _("Building")
    STAIRWELL = "stairwell", _("Stairwell")


# Which kind of place may sit under which: the tree of DOMAIN.md §7.
ALLOWED_PARENT_KIND = {
    PlaceKind.STREET: None,
    PlaceKind.AREA: PlaceKind.STREET,
    PlaceKind.ESTATE: PlaceKind.AREA,
    PlaceKind.BUILDING: PlaceKind.ESTATE,
    PlaceKind.STAIRWELL: PlaceKind.BUILDING,
}
PATH_SEGMENT = 9  # "%08d/" per level


class Grid(models.Model):
    """A grid cell (微网格): an overlay on buildings that the street redraws from time to
    time, walked by its grid workers (网格员)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid workers"),
        blank=True,
        related_name="grids",
        help_text=_("Who patrols this cell: they log findings here and see its open cases."),
    )

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Place(models.Model):
    """A node of the place tree, stored with a materialised path for fast subtree queries."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices)
    name = models.CharField(_("name"), max_length=100)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="buildings",
        help_text=_("Buildings only: the grid the building belongs to now."),
    )
    # Buildings only: the residents' volunteer who speaks for the building (楼组长).
    building_head = models.CharField(_("building head"), max_length=100, blank=True)
    path = models.CharField(_("tree path"), max_length=255, editable=False, db_index=True)
    # A point per estate and building, WGS-84 decimal degrees (what GPS and Open311 send;
    # Chinese base maps use GCJ-02: casework.geo converts). Six decimals are ~0.1 m.
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Optional outline: a GeoJSON Polygon geometry as text (WGS-84), kept for maps.
    polygon = models.TextField(_("outline (GeoJSON polygon)"), blank=True)
    full_name = models.CharField(_("full name"), max_length=500, editable=False)
    # Descendants renamed or moved with it are rewritten in bulk and get no record of
    # their own: their path follows from this place's record.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_unique_name_in_parent"),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90, latitude__lte=90)
                    & Q(longitude__gte=-180, longitude__lte=180)
                ),
                name="place_point_whole_and_in_range",
            ),
        ]
        # nearest_place's bounding-box prefilter (casework.geo).
        indexes = [models.Index(fields=["latitude", "longitude"], name="place_point_idx")]

    def __str__(self):
        return self.full_name or self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            old = None
            if self.pk:
                old = Place.objects.filter(pk=self.pk).values("path", "full_name").first()
            created = self.pk is None
            if created:
                self.path = ""
                self.full_name = self.name
                # The row is whole only after the second save: record that one.
                self.skip_history_when_saving = True
                try:
                    super().save(*args, **kwargs)
                finally:
                    del self.skip_history_when_saving
                kwargs.pop("force_insert", None)
            prefix = self.parent.path if self.parent_id else ""
            parent_name = self.parent.full_name if self.parent_id else ""
            self.path = f"{prefix}{self.pk:08d}/"
            self.full_name = f"{parent_name} / {self.name}" if parent_name else self.name
            super().save(
                update_fields=[
                    "parent",
                    "kind",
                    "name",
                    "grid",
                    "building_head",
                    "path",
                    "full_name",
                    "latitude",
                    "longitude",
                    "polygon",
                ]
            )
            if created:  # the history's first record is the creation, not a change
                self.history.filter(id=self.pk).update(history_type="+")
            if old and (old["path"] != self.path or old["full_name"] != self.full_name):
                self._rewrite_descendants(old["path"], old["full_name"])

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_SEGMENT

    def clean(self):
        expected = ALLOWED_PARENT_KIND.get(self.kind)
        actual = self.parent.kind if self.parent_id else None
        if expected != actual:
            if expected is None:
                raise ValidationError({"parent": _("A street is the top of the tree.")})
            raise ValidationError(
                {
                    "parent": _("A %(kind)s must sit under a %(parent)s.")
                    % {"kind": self.get_kind_display(), "parent": PlaceKind(expected).label}
                }
            )
        if self.pk and self.parent_id and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("A place cannot be moved under itself.")})

    @property
    def local_name(self) -> str:
        """The place below the residents' area — estate, building, stairwell ("幸福小区 /
        3号楼") — as a row of a list names it; the full name for a street or an area."""
        parts = (self.full_name or self.name).split(" / ")
        return " / ".join(parts[2:]) or self.full_name or self.name

    def _rewrite_descendants(self, old_path: str, old_full_name: str) -> None:
        """After a move or rename, give every descendant the new path prefix and name."""
        below = Place.objects.filter(path__startswith=old_path).exclude(pk=self.pk)
        below.update(
            path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1)),
            full_name=Concat(
                models.Value(self.full_name), Substr("full_name", len(old_full_name) + 1)
            ),
        )

    @property
    def ancestor_paths(self) -> list[str]:
        """The tree paths of this place and every place above it, top first."""
        return [self.path[:i] for i in range(PATH_SEGMENT, len(self.path) + 1, PATH_SEGMENT)]

    def subtree_q(self, field: str = "place") -> Q:
        """A filter matching rows whose ``field`` is this place or anything under it."""
        return Q(**{f"{field}__path__startswith": self.path})


class Flat(models.Model):
    """A flat (户) with its floor and exclusive floor area, for consent ballots."""

    place = models.ForeignKey(
        Place,
        verbose_name=_("building or stairwell"),
        on_delete=models.PROTECT,
        related_name="flats",
        limit_choices_to={"kind__in": [PlaceKind.BUILDING, PlaceKind.STAIRWELL]},
    )
    number = models.CharField(_("flat number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    area_m2 = models.DecimalField(
        _("exclusive floor area (m²)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("flat")
        verbose_name_plural = _("flats")
        ordering = ["place__path", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["place", "number"], name="flat_unique_number"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="flat_area_positive"),
        ]

    def __str__(self):
        return f"{self.place.name} {self.number}"


class FlatOwner(models.Model):
    flat = models.ForeignKey(
        Flat, verbose_name=_("flat"), on_delete=models.CASCADE, related_name="owners"
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("flat owner")
        verbose_name_plural = _("flat owners")

    def __str__(self):
        return self.name
