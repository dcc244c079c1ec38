"""Changes to configuration are kept with who, when, before and after (django-simple-history),
and shown in the admin; the case tables keep their own append-only log instead."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import (
    ApiToken,
    CalendarDay,
    Case,
    CaseEvent,
    Category,
    Membership,
    Organisation,
    Place,
    PlaceKind,
    Referral,
)
from consultation.models import BallotRuleSet
from tests.factories import PlaceFactory


def _delta(record):
    """{field: (before, after)} between a history record and the one before it."""
    previous = record.prev_record
    assert previous is not None, "no record before this one: the before is missing"
    return {c.field: (c.old, c.new) for c in record.diff_against(previous).changes}


def test_an_admin_change_to_a_category_records_who_when_before_and_after(admin_client, db):
    noise = Category.objects.get(code="construction_noise")
    before_limit = noise.time_limit_days
    started = timezone.now()
    response = admin_client.post(
        reverse("admin:casework_category_change", args=[noise.pk]),
        {
            "code": noise.code,
            "name": noise.name,
            "name_zh": noise.name_zh,
            "time_limit_days": before_limit + 5,
            "default_org_kind": noise.default_org_kind,
            "position": noise.position,
            "active": "on",
        },
    )
    assert response.status_code == 302
    record = noise.history.first()  # newest first
    assert record.history_user.username == "admin"
    assert record.history_type == "~" and record.history_date >= started
    assert _delta(record) == {"time_limit_days": (before_limit, before_limit + 5)}
    # The admin's history page shows the change, its author and both values.
    page = admin_client.get(
        reverse("admin:casework_category_history", args=[noise.pk])
    ).content.decode()
    change = re.search(
        r"Time limit \(working days\):</strong>\s*(\d+)\s*&nbsp;&rarr;&nbsp;&nbsp;(\d+)", page
    )
    assert change and change.groups() == (str(before_limit), str(before_limit + 5))
    assert re.search(r'<a href="/admin/auth/user/\d+/change/">admin</a>', page)


def test_the_history_page_cannot_revert_a_change(admin_client, db):
    noise = Category.objects.get(code="construction_noise")
    noise.time_limit_days = 9
    noise.save()
    first = noise.history.last()
    url = reverse("admin:casework_category_simple_history", args=[noise.pk, first.history_id])
    page = admin_client.get(url).content.decode()
    assert "Revert" not in page
    admin_client.post(url, {"code": "tampered", "time_limit_days": 1})
    noise.refresh_from_db()
    assert (noise.code, noise.time_limit_days) == ("construction_noise", 9)


def test_membership_changes_through_the_user_admin_are_recorded(admin_client, world, mediator):
    membership = Membership.objects.get(user=mediator)
    membership.active = False
    membership.save()
    record = membership.history.first()
    assert _delta(record) == {"active": (True, False)}
    response = admin_client.get(reverse("admin:casework_membership_history", args=[membership.pk]))
    assert response.status_code == 200


def test_the_places_an_organisation_covers_are_kept_in_its_history(admin_client, world):
    committee = world.committee_a
    before = committee.history.first()
    response = admin_client.post(
        reverse("admin:casework_organisation_change", args=[committee.pk]),
        {
            "name": committee.name,
            "kind": committee.kind,
            "places": [world.area_a.pk, world.area_b.pk],
            "email": "",
            "phone": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    newest = committee.history.first()
    assert newest.history_user.username == "admin"
    assert {p.place_id for p in newest.places.all()} == {world.area_a.pk, world.area_b.pk}
    assert {p.place_id for p in before.places.all()} == {world.area_a.pk}
    assert newest.history_date > before.history_date


def test_a_revoked_api_token_records_who_revoked_it(admin_client, world):
    from casework.api_auth import issue_token

    token, _key = issue_token(organisation=world.police, name="派出所系统")
    admin_client.post(
        reverse("admin:casework_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    record = token.history.first()
    assert record.history_user.username == "admin"
    assert _delta(record)["revoked_at"][0] is None
    # The key's hash is never copied into the history.
    assert not hasattr(record, "key_hash")


def test_a_rule_set_change_is_recorded(admin_client, db):
    rule = BallotRuleSet.objects.create(
        code="local-strict",
        name="本街道从严规则",
        participation_area="2/3",
        participation_heads="2/3",
        approval_area="3/4",
        approval_heads="3/4",
    )
    rule.approval_heads = "4/5"
    rule.save()
    assert _delta(rule.history.first()) == {"approval_heads": ("3/4", "4/5")}


def test_places_and_calendar_days_keep_their_history(db, world):
    place = PlaceFactory(kind=PlaceKind.ESTATE, name="新建小区", parent=world.area_a)
    (created,) = place.history.all()  # one record for a creation, with its real path
    assert created.history_type == "+" and created.path == place.path != ""
    place.name = "新建小区（一期）"
    place.save()
    assert _delta(place.history.first())["name"] == ("新建小区", "新建小区（一期）")
    day = CalendarDay.objects.create(date=dt.date(2028, 10, 9), is_working=False, name="调休")
    day.delete()
    assert [r.history_type for r in CalendarDay.history.filter(date=day.date)] == ["-", "+"]


def test_seeded_configuration_starts_with_a_baseline_record(db):
    noise = Category.objects.get(code="construction_noise")
    (baseline,) = noise.history.all()
    assert baseline.history_change_reason == "Baseline: the state when history began"
    assert baseline.time_limit_days == noise.time_limit_days


@pytest.mark.parametrize("model", [Case, CaseEvent, Referral])
def test_cases_events_and_referrals_are_not_tracked_here(model):
    # They have their own append-only event log; a second copy would only drift.
    assert not hasattr(model, "history")


@pytest.mark.parametrize(
    "model", [Category, CalendarDay, Membership, ApiToken, Organisation, Place, BallotRuleSet]
)
def test_every_configuration_model_is_tracked_and_shown_in_the_admin(model):
    from django.contrib.admin.sites import site
    from simple_history.admin import SimpleHistoryAdmin

    assert hasattr(model, "history")
    assert isinstance(site._registry[model], SimpleHistoryAdmin)
