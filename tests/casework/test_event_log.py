import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from casework.models import CaseEvent
from core.exceptions import ImmutableRecord
from tests.factories import CaseEventFactory


def test_an_event_cannot_be_changed_through_the_instance(db):
    event = CaseEventFactory()
    event.note = "rewritten"
    with pytest.raises(ImmutableRecord):
        event.save()
    with pytest.raises(ImmutableRecord):
        event.delete()
    assert CaseEvent.objects.get(pk=event.pk).note == "Called the site manager."


def test_an_event_cannot_be_changed_through_a_queryset(db):
    event = CaseEventFactory()
    with pytest.raises(ImmutableRecord):
        CaseEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(ImmutableRecord):
        CaseEvent.objects.filter(pk=event.pk).delete()
    assert CaseEvent.objects.filter(pk=event.pk, note="Called the site manager.").exists()


def test_the_admin_offers_no_way_to_change_or_delete_an_event(admin_client):
    event = CaseEventFactory()
    change_url = reverse("admin:casework_caseevent_change", args=[event.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert b'name="note"' not in page.content  # shown read-only, not as a field
    assert admin_client.post(change_url, {"note": "rewritten"}).status_code == 403
    delete_url = reverse("admin:casework_caseevent_delete", args=[event.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:casework_caseevent_add")).status_code == 403
    assert CaseEvent.objects.get(pk=event.pk).note == "Called the site manager."


def test_the_admin_shows_a_case_without_an_editable_status(admin_client):
    event = CaseEventFactory()
    url = reverse("admin:casework_case_change", args=[event.case.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="status"' not in page.content
    assert admin_client.post(url, {"status": "closed"}).status_code == 403
    event.case.refresh_from_db()
    assert event.case.status == "registered"


def test_the_database_itself_refuses_to_rewrite_the_log(db):
    """Triggers on PostgreSQL (0002) and SQLite (0018): run on both engines in CI."""
    event = CaseEventFactory()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE casework_caseevent SET note = 'x' WHERE id = %s", [event.pk])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM casework_caseevent WHERE id = %s", [event.pk])
