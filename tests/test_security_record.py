"""The security record (core.models.SecurityEvent): what goes in, that nothing comes out
except past retention, and that the database refuses rewrites on SQLite and PostgreSQL."""

import datetime as dt
import json
import logging

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casework.models import CaseEvent, Membership
from casework.roles import Role
from core import append_only
from core.audit import pseudonym
from core.models import ImmutableRecord, SecurityEvent, SecurityEventKind
from core.retention import LEGAL_MINIMUM_DAYS, security_record_cutoff
from tests.casework.test_portal import _submit_data
from tests.factories import CaseEventFactory, MembershipFactory, UserFactory, make_case

PASSWORD = "correct horse battery staple"
Kind = SecurityEventKind


def _events(kind):
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


def _one(kind):
    events = _events(kind)
    assert len(events) == 1, [(e.kind, e.detail) for e in SecurityEvent.objects.all()]
    return events[0]


# ------------------------------------------------------------------ what is recorded


def test_failed_and_successful_sign_ins_and_the_lock_are_recorded(client, mediator, rates):
    rates(login_pair="2/15m")
    for _ in range(2):
        client.post(
            reverse("login"), {"username": "mediator", "password": "x"}, REMOTE_ADDR="203.0.113.9"
        )
    failed = _events(Kind.LOGIN_FAILED)
    assert [(e.username, e.address, e.actor) for e in failed] == [
        ("mediator", "203.0.113.9", None)
    ] * 2
    locked = _one(Kind.LOGIN_LOCKED)
    assert locked.address == "203.0.113.9" and locked.detail == {"doors": ["login_pair"]}
    assert locked.path == "/accounts/login/"
    client.post(
        reverse("login"), {"username": "mediator", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    signed_in = _one(Kind.LOGIN_SUCCEEDED)
    assert signed_in.actor == mediator and signed_in.address == "10.0.0.7"
    # Passwords never reach the record.
    assert not SecurityEvent.objects.filter(detail__icontains="horse").exists()


def test_password_reset_requests_are_recorded_without_the_address(client, mediator, rates):
    rates(password_reset_email="1/h")
    client.post(reverse("password_reset"), {"email": mediator.email}, REMOTE_ADDR="10.0.0.9")
    client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    known, unknown = _events(Kind.PASSWORD_RESET)
    assert known.username == "mediator" and known.address == "10.0.0.9"
    assert known.detail == {"email": pseudonym(mediator.email), "accounts": 1}
    assert unknown.username == "" and unknown.detail["accounts"] == 0
    client.post(reverse("password_reset"), {"email": mediator.email})
    throttled = _one(Kind.THROTTLED)
    assert throttled.detail["door"] == "password_reset_email"
    assert mediator.email not in json.dumps([e.detail for e in SecurityEvent.objects.all()])


def test_wrong_and_throttled_look_ups_are_recorded_with_the_reference_hashed(client, world, rates):
    rates(lookup_reference="2/15m")
    url = reverse("portal:lookup")
    for _ in range(3):
        client.post(
            url, {"reference": "2026-000777", "code": "SECRETCODE23"}, REMOTE_ADDR="10.3.3.3"
        )
    wrong = _events(Kind.LOOKUP_FAILED)
    assert len(wrong) == 2  # the third was refused before checking
    assert wrong[0].address == "10.3.3.3"
    assert wrong[0].detail == {"reference": pseudonym("2026-000777")}
    throttled = _one(Kind.THROTTLED)
    assert throttled.detail["doors"] == ["lookup_reference"]
    everything = json.dumps([[e.detail, e.path, e.object_id] for e in SecurityEvent.objects.all()])
    assert "2026-000777" not in everything and "SECRETCODE23" not in everything


def test_a_throttled_submission_is_recorded_once(client, world, rates):
    rates(submission_address="1/h")
    for _ in range(3):
        client.post(reverse("portal:submit"), _submit_data(world), REMOTE_ADDR="10.4.4.4")
    throttled = _one(Kind.THROTTLED)
    assert throttled.detail == {"door": "submission_address"} and throttled.address == "10.4.4.4"


def test_failed_api_authentications_are_recorded_with_the_prefix_only(db, rates):
    rates(api_auth_failure="1/15m")
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Token ll_AAAAAAAA_the-secret-part")
    forged.get("/api/v1/referrals/", REMOTE_ADDR="10.5.5.5")
    failed = _one(Kind.API_AUTH_FAILED)
    assert failed.address == "10.5.5.5" and failed.detail == {"prefix": "AAAAAAAA"}
    assert _one(Kind.THROTTLED).detail["door"] == "api_auth_failure"
    assert "the-secret-part" not in json.dumps([e.detail for e in SecurityEvent.objects.all()])


def test_an_outsider_asking_for_another_areas_case_is_recorded_once(client, world, outsider):
    case = make_case(place=world.building_a, organisation=world.committee_a)
    client.force_login(outsider)
    url = reverse("casework:case_detail", args=[case.pk])
    for _ in range(3):
        assert client.get(url, REMOTE_ADDR="10.6.6.6").status_code == 404
    denied = _one(Kind.ACCESS_DENIED)
    assert denied.actor == outsider and denied.address == "10.6.6.6"
    assert denied.object_type == "casework:case_detail" and denied.object_id == f"pk={case.pk}"
    assert denied.detail == {"status": 404, "method": "GET", "view": "casework:case_detail"}
    assert denied.path == url


def test_a_forbidden_action_is_recorded(client, agency_officer):
    client.force_login(agency_officer)
    assert client.get(reverse("casework:reports")).status_code == 403
    denied = _one(Kind.ACCESS_DENIED)
    assert denied.actor == agency_officer and denied.detail["status"] == 403


def test_anonymous_and_unrouted_404s_are_not_refusals(client, mediator, world):
    case = make_case(place=world.building_a, organisation=world.committee_a)
    client.get(reverse("portal:lookup") + "nothing-here/")
    client.get(f"/open311/v2/requests/{case.reference}9.json")
    client.force_login(mediator)
    assert client.get("/wp-admin/setup.php").status_code == 404
    assert not SecurityEvent.objects.filter(kind=Kind.ACCESS_DENIED).exists()


def test_exports_are_recorded_with_filter_names_only(client, supervisor, world):
    make_case(place=world.building_a, organisation=world.committee_a)
    client.force_login(supervisor)
    response = client.get(reverse("casework:export_cases", args=["csv"]), {"q": "王建国"})
    assert response.status_code == 200
    b"".join(response.streaming_content)  # a streamed export is logged when the stream ends
    export = _one(Kind.EXPORT)
    assert export.actor == supervisor and export.object_type == "casework.exportlog"
    assert export.detail["filters"] == ["q"] and export.detail["format"] == "csv"
    assert "王建国" not in json.dumps(export.detail, ensure_ascii=False)


def test_admin_changes_are_recorded_including_bulk_deletions(admin_client, admin_user, db):
    from tests.factories import OrganisationFactory

    spare = [OrganisationFactory(name="旧居委会甲"), OrganisationFactory(name="旧居委会乙")]
    ids = [o.pk for o in spare]
    response = admin_client.post(
        reverse("admin:casework_organisation_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        REMOTE_ADDR="10.9.9.1",
    )
    assert response.status_code == 302
    deleted = _events(Kind.ADMIN_CHANGE)  # two deletions at once: one bulk LogEntry insert
    assert {(e.object_type, e.object_id, e.detail["action"]) for e in deleted} == {
        ("casework.organisation", str(pk), "deleted") for pk in ids
    }
    assert all(e.actor == admin_user and e.address == "10.9.9.1" for e in deleted)
    assert "旧居委会" not in json.dumps([e.detail for e in deleted], ensure_ascii=False)


def test_role_grants_changes_and_revocations_are_recorded(admin_client, admin_user, world):
    user = UserFactory(username="newcomer")
    url = reverse("admin:casework_membership_add")
    response = admin_client.post(
        url,
        {
            "user": user.pk,
            "organisation": world.committee_a.pk,
            "role": Role.MEDIATOR,
            "active": "on",
        },
        REMOTE_ADDR="10.7.7.7",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    granted = _one(Kind.ROLE_GRANTED)
    assert granted.actor == admin_user and granted.address == "10.7.7.7"
    assert granted.detail["user"] == "newcomer" and granted.detail["role"] == Role.MEDIATOR
    membership = Membership.objects.get(user=user)
    membership.role = Role.SUPERVISOR
    membership.save()
    changed = _one(Kind.ROLE_CHANGED)
    assert changed.detail["before"] == {"role": Role.MEDIATOR, "active": True}
    assert changed.actor is None and changed.address == ""  # no request: a shell or seed
    membership_pk = membership.pk
    membership.delete()
    revoked = _one(Kind.ROLE_REVOKED)
    assert revoked.detail["deleted"] is True and revoked.object_id == str(membership_pk)


def test_saving_a_membership_unchanged_records_nothing(world):
    membership = MembershipFactory(organisation=world.committee_a, role=Role.MEDIATOR)
    before = SecurityEvent.objects.count()
    membership.save()
    assert SecurityEvent.objects.count() == before


def test_each_event_is_a_json_log_line_without_personal_data(client, world, caplog, rates):
    from core.logging import JsonFormatter

    rates(lookup_reference="5/15m")
    with caplog.at_level(logging.INFO, logger="linli.security"):
        client.post(
            reverse("portal:lookup"),
            {"reference": "2026-000888", "code": "SECRETCODE99"},
            REMOTE_ADDR="10.8.8.8",
        )
    records = [r for r in caplog.records if r.name == "linli.security"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["logger"] == "linli.security"
    assert line["security"]["kind"] == "lookup_failed"
    assert line["security"]["address"] == "10.8.8.8"
    assert "2026-000888" not in json.dumps(line) and "SECRETCODE99" not in json.dumps(line)


# ------------------------------------------------------- refused at the database


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def security_event(db):
    return SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, username="x", address="10.0.0.1")


def test_the_orm_refuses_to_change_the_security_record(security_event):
    with pytest.raises(ImmutableRecord):
        security_event.save()
    with pytest.raises(ImmutableRecord):
        security_event.delete()
    with pytest.raises(ImmutableRecord):
        SecurityEvent.objects.filter(pk=security_event.pk).update(username="y")
    with pytest.raises(ImmutableRecord):
        SecurityEvent.objects.all().delete()


def test_the_database_refuses_update_and_delete_of_the_security_record(security_event):
    assert append_only.triggers_present("core_securityevent")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE core_securityevent SET username = 'y' WHERE id = %s", [security_event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM core_securityevent WHERE id = %s", [security_event.pk])
    assert SecurityEvent.objects.get(pk=security_event.pk).username == "x"


def test_the_database_refuses_update_and_delete_of_the_case_event_log(db):
    event = CaseEventFactory()
    assert append_only.triggers_present("casework_caseevent")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE casework_caseevent SET note = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM casework_caseevent WHERE id = %s", [event.pk])
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_even_a_pruning_session_cannot_delete_case_events_or_young_security_events(db):
    young = SecurityEvent.objects.create(
        kind=Kind.LOGIN_FAILED, created_at=timezone.now() - dt.timedelta(days=100)
    )
    event = CaseEventFactory(created_at=timezone.now() - dt.timedelta(days=4000))
    with pytest.raises(DatabaseError, match="append-only"), append_only.pruning(timezone.now()):
        _raw("DELETE FROM core_securityevent WHERE id = %s", [young.pk])
    with pytest.raises(DatabaseError, match="append-only"), append_only.pruning(timezone.now()):
        _raw("DELETE FROM casework_caseevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), append_only.pruning(timezone.now()):
        _raw("UPDATE core_securityevent SET username = 'y' WHERE id = %s", [young.pk])
    assert SecurityEvent.objects.filter(pk=young.pk).exists()


def test_sqlite_triggers_come_back_after_migrate(db):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps triggers when a table is altered")
    with connection.cursor() as cursor:
        for name in append_only.sqlite_trigger_names("casework_caseevent"):
            cursor.execute(f"DROP TRIGGER {name}")
    assert not append_only.triggers_present("casework_caseevent")
    append_only.reinstall_after_migrate(sender=None, using="default")
    assert append_only.triggers_present("casework_caseevent")


# ---------------------------------------------------------------------- retention


@pytest.mark.parametrize(
    ("days", "allowed"),
    [(LEGAL_MINIMUM_DAYS - 1, False), (LEGAL_MINIMUM_DAYS, True), (365, True), (3650, True)],
)
def test_retention_is_never_shorter_than_six_months(days, allowed):
    now = dt.datetime(2026, 7, 4, 12, 0, tzinfo=dt.UTC)
    if allowed:
        assert security_record_cutoff(now=now, retention_days=days) == now - dt.timedelta(days)
    else:
        with pytest.raises(ValueError, match="184"):
            security_record_cutoff(now=now, retention_days=days)


def test_184_days_cover_any_six_calendar_months():
    """网络安全法 Art. 21: six months. The longest six consecutive months are July to
    December (184 days); no start month gives more."""
    longest = 0
    for year in (2025, 2026, 2027, 2028):
        for month in range(1, 13):
            start = dt.date(year, month, 1)
            end_month = month + 6
            end = dt.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
            longest = max(longest, (end - start).days)
    assert longest == LEGAL_MINIMUM_DAYS


def test_the_prune_command_deletes_only_past_retention(db, settings, capsys):
    settings.LINLI = {**settings.LINLI, "SECURITY_RETENTION_DAYS": 365}
    now = timezone.now()
    old = [
        SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, created_at=now - dt.timedelta(d))
        for d in (366, 800)
    ]
    kept = [
        SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, created_at=now - dt.timedelta(d))
        for d in (0, 200, 364)
    ]
    call_command("prune_security_events", "--dry-run")
    assert "2 security events" in capsys.readouterr().out
    assert SecurityEvent.objects.filter(pk__in=[e.pk for e in old]).count() == 2
    call_command("prune_security_events")
    assert not SecurityEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert SecurityEvent.objects.filter(pk__in=[e.pk for e in kept]).count() == 3
    pruned = _one(Kind.RECORD_PRUNED)
    assert pruned.detail["deleted"] == 2 and pruned.detail["retention_days"] == 365
    # Outside the command the rows are as protected as before.
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM core_securityevent WHERE id = %s", [kept[0].pk])


def test_the_prune_command_refuses_a_retention_below_the_law(db, settings):
    from django.core.management.base import CommandError

    settings.LINLI = {**settings.LINLI, "SECURITY_RETENTION_DAYS": 30}
    SecurityEvent.objects.create(
        kind=Kind.LOGIN_FAILED, created_at=timezone.now() - dt.timedelta(days=100)
    )
    with pytest.raises(CommandError, match="184"):
        call_command("prune_security_events")
    assert SecurityEvent.objects.count() == 1


def test_the_admin_lists_the_record_but_cannot_change_it(admin_client, security_event):
    changelist = admin_client.get(reverse("admin:core_securityevent_changelist"))
    assert changelist.status_code == 200 and "10.0.0.1" in changelist.content.decode()
    assert admin_client.get(reverse("admin:core_securityevent_add")).status_code == 403
    delete = reverse("admin:core_securityevent_delete", args=[security_event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=security_event.pk).exists()
