"""The chained register and case logs (#24): a row deleted or edited in the middle — by
someone with direct database access — is found, and named, by verify_archive; two events
on one case at once get one order and an unbroken chain (PostgreSQL)."""

from __future__ import annotations

import itertools
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from casework import chain as case_chain
from casework.models import CaseEvent, EventKind
from consultation.models import ArchiveAnchor, ArchiveRecord
from consultation.services import archive
from core import append_only
from core.chain import GENESIS, link
from tests.concurrency import needs_postgres, race
from tests.factories import CaseEventFactory, make_case

DELETE_RECORD = "DELETE FROM consultation_archiverecord WHERE id = %s"


def as_dba(table: str, sql: str, params=()) -> None:
    """What only someone with the database's own powers can do: lift the append-only
    trigger (rolled back with the test) and change a row behind the application."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser's session that fires no triggers (the test cluster's role is one).
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = origin")
            return
        if table in append_only.GUARDED:
            for name in append_only.sqlite_trigger_names(table):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(sql, params)


def register_three(actor) -> list[ArchiveRecord]:
    return [
        archive.register(
            f"%PDF-1.7 document {n}".encode(), title=f"文件{n}", retention_years=10, actor=actor
        )
        for n in range(3)
    ]


@pytest.mark.django_db
def test_register_rows_chain_in_order(archivist):
    first, second, third = register_three(archivist)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.row_hash and third.prev_hash == second.row_hash
    assert third.row_hash == link(second.row_hash, third.chained_fields())
    assert archive.verify_register_chain() == []


@pytest.mark.django_db
def test_deleting_a_middle_register_row_is_named(archivist, capsys):
    _first, second, third = register_three(archivist)
    as_dba(
        "consultation_archiverecord",
        "DELETE FROM consultation_archiverecord WHERE id = %s",
        [second.pk],
    )
    (finding,) = archive.verify_register_chain()
    assert finding.record == third and finding.problem == "register chain"
    with pytest.raises(CommandError):
        call_command("verify_archive")
    assert f"REGISTER CHAIN: {third.archival_number}" in capsys.readouterr().err


@pytest.mark.django_db
def test_editing_a_middle_register_row_is_named(archivist):
    _first, second, _third = register_three(archivist)
    as_dba(
        "consultation_archiverecord",
        "UPDATE consultation_archiverecord SET title = %s WHERE id = %s",
        ["改过的标题", second.pk],
    )
    (finding,) = archive.verify_register_chain()
    assert finding.record == second and "edited" in finding.detail


@pytest.mark.django_db
def test_case_events_chain_per_case(mediator):
    case = make_case()
    other = make_case()
    events = [CaseEventFactory(case=case, actor=mediator, note=f"n{i}") for i in range(3)]
    elsewhere = CaseEventFactory(case=other)
    chained = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert chained[0].prev_hash == GENESIS or chained[0].pk < events[0].pk
    for before, after in itertools.pairwise(chained):
        assert after.prev_hash == before.row_hash
    assert elsewhere.prev_hash in {
        GENESIS,
        *CaseEvent.objects.filter(case=other).values_list("row_hash", flat=True),
    }
    assert case_chain.verify()[1] == []


@pytest.mark.django_db
def test_deleting_or_editing_a_middle_case_event_is_named(mediator, capsys):
    case = make_case()
    _a, b, c, d = (CaseEventFactory(case=case, actor=mediator) for _ in range(4))
    as_dba("casework_caseevent", "DELETE FROM casework_caseevent WHERE id = %s", [b.pk])
    as_dba(
        "casework_caseevent",
        "UPDATE casework_caseevent SET params = %s WHERE id = %s",
        ['{"forged": true}', d.pk],
    )
    _checked, breaks = case_chain.verify()
    assert [(x.case_id, x.event_id, x.problem) for x in breaks] == [(case.pk, c.pk, "link")]
    with pytest.raises(CommandError):
        call_command("verify_archive")
    assert f"CASE LOG: case {case.pk}: event {c.pk} (link)" in capsys.readouterr().err


@pytest.mark.django_db
def test_an_edited_event_alone_is_named_by_its_content(mediator):
    case = make_case()
    _a, b, _c = (CaseEventFactory(case=case, actor=mediator) for _ in range(3))
    as_dba(
        "casework_caseevent",
        "UPDATE casework_caseevent SET actor_id = NULL WHERE id = %s",
        [b.pk],
    )
    _checked, breaks = case_chain.verify()
    assert [(x.event_id, x.problem) for x in breaks] == [(b.pk, "content")]


@pytest.mark.django_db
def test_the_note_is_outside_the_chain_so_de_identification_keeps_it_whole(mediator):
    case = make_case()
    event = CaseEventFactory(case=case, actor=mediator, note="张三说 13800000000")
    as_dba(
        "casework_caseevent", "UPDATE casework_caseevent SET note = '' WHERE id = %s", [event.pk]
    )
    assert case_chain.verify()[1] == []


@pytest.mark.django_db
def test_the_daily_anchor_is_signed_and_catches_a_deleted_last_row(archivist, mediator, capsys):
    _first, _second, third = register_three(archivist)
    case = make_case()
    CaseEventFactory(case=case, actor=mediator)
    last_event = CaseEventFactory(case=case, actor=mediator)
    anchor = archive.write_anchor()
    assert anchor.register_head == third.row_hash and anchor.register_count == 3
    assert anchor.signature_level == "B-LT"
    from core import signing

    assert signing.validate(anchor.file.read()).ok
    assert archive.write_anchor() == anchor  # once a day
    assert archive.verify_anchors() == []
    # The last rows of both chains go: no later link shows it, the anchor does.
    as_dba(
        "consultation_archiverecord",
        "DELETE FROM consultation_archiverecord WHERE id = %s",
        [third.pk],
    )
    as_dba("casework_caseevent", "DELETE FROM casework_caseevent WHERE id = %s", [last_event.pk])
    assert archive.verify_register_chain() == [] and case_chain.verify()[1] == []
    problems = [f.detail for f in archive.verify_anchors()]
    assert any("register differs" in p for p in problems)
    assert any("case logs differ" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("verify_archive")
    assert "ANCHOR" in capsys.readouterr().err
    assert ArchiveAnchor.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_events_on_one_case_at_once_get_one_order_and_an_intact_chain(mediator):
    needs_postgres()
    case = make_case()
    CaseEventFactory(case=case, actor=mediator)

    def add(note):
        def write():
            with transaction.atomic():
                event = CaseEvent.objects.create(
                    case=case, kind=EventKind.NOTE, actor=mediator, note=note
                )
                time.sleep(0.3)  # hold the case's lock while the other waits
                return event

        return write

    outcomes = race(add("one"), add("two"))
    assert [o.kind for o in outcomes] == ["ok", "ok"]
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert len(events) == 3
    assert events[1].prev_hash == events[0].row_hash
    assert events[2].prev_hash == events[1].row_hash  # not both on events[0]
    assert case_chain.verify()[1] == []
