"""Events are stored as a code and parameters and rendered in the reader's language
(casework.event_text); today's sentences are read back into codes by the migrations."""

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from casework import services
from casework.models import CaseEvent, Channel, EventKind, PartyRole, ReferralKind, ReferralRole
from casework.services import PartyData
from tests.factories import CaseEventFactory, category

CHINESE_NAMES = {"mediator": ("晓燕", "张"), "colleague": ("红梅", "陈"), "agency": ("伟", "王")}


@pytest.fixture
def chinese_staff(mediator, colleague, agency_officer):
    for user in (mediator, colleague, agency_officer):
        user.first_name, user.last_name = CHINESE_NAMES[user.username]
        user.save()
    return mediator, colleague, agency_officer


def _a_case_with_history(world, mediator, colleague, agency_officer):
    case = services.case_register(
        actor=mediator,
        organisation=world.committee_a,
        category=category(),
        place=world.building_a,
        channel=Channel.PHONE,
        description="楼上装修噪音",
        parties=[PartyData(name="李四", phone="13800000000")],
    ).case
    case = services.case_transition(case=case, name="accept", actor=mediator)
    case = services.case_assign(case=case, officer=colleague, actor=colleague)
    services.case_add_party(
        case=case,
        actor=colleague,
        party=PartyData(name="王五", role=PartyRole.RESPONDENT),
    )
    case = services.case_transition(case=case, name="start_work", actor=colleague)
    referral = services.referral_dispatch(
        case=case,
        organisation=world.police,
        actor=colleague,
        role=ReferralRole.LEAD,
        kind=ReferralKind.COMPLAINT,
        instructions="请上门核实",
    )
    services.referral_transition(referral=referral, name="sign_for", actor=agency_officer)
    services.case_add_note(case=case, actor=colleague, text="已电话联系业主", public=False)
    return case


def _timeline(page) -> str:
    html = page.content.decode()
    section = re.search(r'<section id="timeline">(.*?)</section>', html, re.S).group(1)
    section = re.sub(r"<form.*?</form>", "", section, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


def test_the_same_case_page_shows_each_event_wholly_in_the_readers_language(
    client, world, chinese_staff
):
    mediator, colleague, agency_officer = chinese_staff
    # Written by someone reading Chinese: nothing of the writer's language is stored.
    with translation.override("zh-hans"):
        case = _a_case_with_history(world, mediator, colleague, agency_officer)
    url = reverse("casework:case_detail", args=[case.pk])
    client.force_login(colleague)
    english = _timeline(client.get(url))
    in_chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    in_chinese.force_login(colleague)
    chinese = _timeline(in_chinese.get(url))

    assert "Registered via Phone." in english
    assert "Assigned to 陈红梅." in english
    assert "Party added: 王五 (Respondent)." in english
    assert "Referred to 新华路派出所 (Lead (主办))." in english
    assert "经来电登记。" in chinese
    assert "已指派给陈红梅。" in chinese
    assert "已派发给新华路派出所" in chinese or "新华路派出所" in chinese
    # Wholly Chinese: no Latin word at all on the Chinese timeline (names are Chinese,
    # the reference is digits).
    assert re.findall(r"[A-Za-z]{2,}", chinese) == []
    # Wholly English: Chinese only in names, places, what people wrote, and the Chinese
    # terms the English labels carry on purpose (主办).
    for proper in (
        "陈红梅",
        "张晓燕",
        "王伟",
        "王五",
        "新华路派出所",
        "已电话联系业主",
        "主办",
        "请上门核实",
    ):
        english = english.replace(proper, "")
    assert re.findall(r"[\u4e00-\u9fff]", english) == []
    # A person's note stays as written in both.
    assert "已电话联系业主" in chinese


def test_events_store_codes_and_ids_not_sentences(world, chinese_staff):
    mediator, colleague, agency_officer = chinese_staff
    case = _a_case_with_history(world, mediator, colleague, agency_officer)
    by_code = {e.code: e for e in CaseEvent.objects.filter(case=case)}
    assert by_code["case.registered"].params == {"channel": "phone"}
    assert by_code["case.registered"].note == ""
    assert by_code["case.assigned"].params == {"name": "陈红梅", "user": colleague.pk}
    assert by_code["referral.dispatched"].params == {"org": "新华路派出所", "role": "lead"}
    assert by_code["referral.transition"].params == {"org": "新华路派出所", "action": "sign_for"}


class _Editor:
    """What core.append_only needs of a schema editor, on the test's own connection."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _run_migration(module: str, app_label: str):
    migration = importlib.import_module(f"{app_label}.migrations.{module}")
    migration.forwards(apps, _Editor())


def test_the_migration_reads_todays_english_and_chinese_sentences_back_into_codes(
    world, chinese_staff
):
    _, colleague, _ = chinese_staff
    old = [
        CaseEventFactory(kind=EventKind.REGISTERED, note="Registered via Phone."),
        CaseEventFactory(kind=EventKind.REGISTERED, note="经来电登记。"),
        # Western order from the old get_full_name(): read back by today's rule.
        CaseEventFactory(kind=EventKind.ASSIGNMENT, note="已指派给红梅 陈。"),
        CaseEventFactory(kind=EventKind.REFERRAL, note="新华路派出所: 签收 — 已到场"),
        CaseEventFactory(kind=EventKind.MERGE, note="Merged duplicates: 2026-000001, 2026-000002."),
        CaseEventFactory(kind=EventKind.NOTE, note="Called the site manager."),
        CaseEventFactory(
            kind=EventKind.MEDIATION,
            note="(2026) 邻里人调字第3号: session 2 recorded (2026-11-02 10:00).",
        ),
        CaseEventFactory(kind=EventKind.NOTE, note="Minutes 2026-H-0001 v1: Approved"),
    ]
    _run_migration("0028_event_notes_to_codes", "casework")
    _run_migration("0014_event_notes_to_codes", "consultation")
    got = {e.pk: e for e in CaseEvent.objects.filter(pk__in=[e.pk for e in old])}
    reg_en, reg_zh, assigned, signed, merged, note, session, minutes = (got[e.pk] for e in old)

    assert (reg_en.code, reg_en.params, reg_en.note) == (
        "case.registered",
        {"channel": "phone"},
        "",
    )
    assert (reg_zh.code, reg_zh.params) == ("case.registered", {"channel": "phone"})
    assert assigned.params == {"name": "陈红梅", "user": colleague.pk}
    assert (signed.code, signed.params, signed.note) == (
        "referral.transition",
        {"org": "新华路派出所", "action": "sign_for"},
        "已到场",
    )
    assert merged.params == {"refs": ["2026-000001", "2026-000002"]}
    assert (note.code, note.note) == ("", "Called the site manager.")  # a person's words
    assert session.code == "mediation.session"
    assert session.params == {
        "mediation": "(2026) 邻里人调字第3号",
        "n": 2,
        "when": "2026-11-02 10:00",
    }
    assert minutes.code == "minutes.transition" and minutes.params["status"] == "approved"
    with translation.override("zh-hans"):
        from casework import event_text

        assert event_text.render(reg_en) == "经来电登记。"
    with translation.override("en"):
        assert event_text.render(reg_zh) == "Registered via Phone."
        assert event_text.render(assigned) == "Assigned to 陈红梅."
    # The log is append-only again afterwards.
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE casework_caseevent SET note = 'x' WHERE id = %s", [note.pk])
