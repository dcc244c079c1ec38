"""Role grants, changes and revocations, written to the security record as they happen
(``core.audit``). Apps built on casework join in through ``casework.hooks``."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from casework import tallies
from casework.models import OPEN_STATUSES, Case, Membership, Place, Rating, Referral
from core.audit import record
from core.models import SecurityEventKind


def _membership_before(sender, instance, **kwargs):
    """Remember the role and state a membership had, to tell a change from a save."""
    instance._linli_before = (
        sender.objects.filter(pk=instance.pk).values_list("role", "active").first()
        if instance.pk
        else None
    )


def _membership_saved(sender, instance, created, **kwargs):
    before = getattr(instance, "_linli_before", None)
    if not created and before == (instance.role, instance.active):
        return
    if created:
        kind = SecurityEventKind.ROLE_GRANTED
    elif not instance.active:
        kind = SecurityEventKind.ROLE_REVOKED
    else:
        kind = SecurityEventKind.ROLE_CHANGED
    detail = {
        "user": instance.user.get_username(),
        "organisation_id": instance.organisation_id,
        "role": instance.role,
        "active": instance.active,
    }
    if before is not None:
        detail["before"] = {"role": before[0], "active": before[1]}
    record(kind, obj=instance, detail=detail)


def _membership_deleted(sender, instance, **kwargs):
    record(
        SecurityEventKind.ROLE_REVOKED,
        obj=instance,
        detail={
            "user": instance.user.get_username(),
            "organisation_id": instance.organisation_id,
            "role": instance.role,
            "deleted": True,
        },
    )


def connect_audit() -> None:
    """Role grants, changes and revocations go to the security record (core.audit)."""
    pre_save.connect(_membership_before, sender=Membership, dispatch_uid="linli-role-before")
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="linli-role-saved")
    post_delete.connect(_membership_deleted, sender=Membership, dispatch_uid="linli-role-gone")


def _tally_case_saved(sender, instance, **kwargs):
    tallies.refresh(instance.pk)


def _tally_case_deleting(sender, instance, **kwargs):
    tallies.forget(instance.pk)


def _tally_child_changed(sender, instance, **kwargs):
    tallies.refresh(instance.case_id)


def _place_before(sender, instance, **kwargs):
    instance._cell_before = (
        Place.objects.filter(pk=instance.pk).values_list("grid_id", "parent_id").first()
        if instance.pk
        else None
    )


def _place_saved(sender, instance, created, **kwargs):
    """A building drawn into another grid cell, or a place moved under another parent: the
    open cases at and below it now count under another cell (``cell_open``). A redraw is
    rare; a building's open cases are a few dozen. (A move in the tree also changes the
    estate the place's cases roll up to for every other count: ``rebuild_tallies``, as
    the module says.)"""
    before = getattr(instance, "_cell_before", None)
    if created or before == (instance.grid_id, instance.parent_id):
        return
    moved = Case.objects.filter(
        place__path__startswith=instance.path, status__in=list(OPEN_STATUSES)
    )
    for case_id in moved.values_list("pk", flat=True).iterator():
        tallies.refresh(case_id)


def connect_tallies() -> None:
    """The summary tables' one choke point (``casework.tallies``): every save or delete of
    a case, a referral or a rating refreshes what that case counts in, in the same
    transaction; so does a building's move to another grid cell, for its open cases."""
    post_save.connect(_tally_case_saved, sender=Case, dispatch_uid="linli-tally-case")
    pre_delete.connect(_tally_case_deleting, sender=Case, dispatch_uid="linli-tally-case-gone")
    pre_save.connect(_place_before, sender=Place, dispatch_uid="linli-tally-place-before")
    post_save.connect(_place_saved, sender=Place, dispatch_uid="linli-tally-place")
    for model in (Referral, Rating):
        post_save.connect(_tally_child_changed, sender=model, dispatch_uid=f"linli-tally-{model}")
        post_delete.connect(
            _tally_child_changed, sender=model, dispatch_uid=f"linli-tally-{model}-gone"
        )


def _filters_stale(sender, update_fields=None, **kwargs):
    # A sign-in saves the user's last_login (and a password change the hash): the names
    # and roles the forms show are unchanged, so the cache stays.
    if update_fields and set(update_fields) <= {"last_login", "password"}:
        return
    from casework import filter_forms

    filter_forms.invalidate()
    # Again once the change is committed: a request between this bump and the commit
    # would cache what it built from the old rows under the new version.
    transaction.on_commit(filter_forms.invalidate)


def connect_filter_cache() -> None:
    """The cached case-list filter forms (``casework.filter_forms``) go stale when what they
    offer changes: places, categories, grid cells, officers (users and their memberships) and the
    places an organisation covers."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed

    from casework import filter_forms
    from casework.models import Category, Grid, Organisation, Place

    for model in (Place, Category, Grid, Membership, Organisation, get_user_model()):
        for signal in (post_save, post_delete):
            signal.connect(_filters_stale, sender=model, dispatch_uid=f"linli-filters-{model}")
    m2m_changed.connect(
        filter_forms.invalidate,
        sender=Organisation.places.through,
        dispatch_uid="linli-filters-org-places",
    )


def _names_stale(sender, **kwargs):
    from casework import portal_reads

    portal_reads.forget_names()
    transaction.on_commit(portal_reads.forget_names)


def connect_portal_names() -> None:
    """The status page's table of category and organisation names
    (``casework.portal_reads``) is read again in this process at once when one changes
    (other processes within the minute it is kept)."""
    from casework.models import Category, Organisation

    for model in (Category, Organisation):
        for signal in (post_save, post_delete):
            signal.connect(_names_stale, sender=model, dispatch_uid=f"linli-names-{model}")
