"""Residents' rights (PIPL Art. 44–47; #27): a request to see, copy, correct or delete
one's data — identity checked, a deadline in working days, the answer and its legal basis
recorded; a deletion refused under a hold says why."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from casework import rights
from casework.models import Case, Party, RightsKind, RightsStatus, Status
from core.exceptions import ActionForbidden, TransitionRefused
from tests.factories import PartyFactory, make_case


@pytest.fixture
def cases(world):
    closed = make_case(
        Status.CLOSED,
        place=world.building_a,
        organisation=world.committee_a,
        description="李秀英反映楼上漏水，电话13812345678。",
    )
    PartyFactory(case=closed, name="李秀英", phone="138 1234 5678", address="3号楼201室")
    PartyFactory(case=closed, name="王建国", phone="13900001111")
    elsewhere = make_case(Status.CLOSED, place=world.estate_b, organisation=world.committee_b)
    PartyFactory(case=elsewhere, name="李秀英", phone="13812345678")
    return {"closed": closed, "elsewhere": elsewhere}


def _receive(mediator, world, kind, **kwargs):
    return rights.receive(
        actor=mediator,
        organisation=world.committee_a,
        kind=kind,
        name="李秀英",
        phone="13812345678",
        identity_checked="居民身份证原件",
        **kwargs,
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (
            dt.date(2026, 9, 28),
            dt.date(2026, 10, 23),
        ),  # across National Day; Sat 10-10 works (调休)
        (dt.date(2026, 12, 1), dt.date(2026, 12, 22)),
    ],
)
def test_the_answer_is_due_in_working_days(db, received, due):
    assert rights.answer_due(received) == due


def test_a_request_needs_a_checked_identity(world, mediator):
    with pytest.raises(TransitionRefused, match="identity"):
        rights.receive(
            actor=mediator,
            organisation=world.committee_a,
            kind=RightsKind.ACCESS,
            name="李秀英",
            phone="13812345678",
            identity_checked=" ",
        )


def test_only_the_organisations_staff_receive_and_answer(world, outsider, agency_officer):
    for user in (outsider, agency_officer):
        with pytest.raises(ActionForbidden):
            _receive(user, world, RightsKind.ACCESS)


def test_see_and_copy_give_the_requesters_own_data_as_json(cases, world, mediator):
    request = _receive(mediator, world, RightsKind.COPY)
    assert request.due_date == rights.answer_due(request.received_on)
    copy = rights.data_copy(request)
    assert [c["reference"] for c in copy["cases"]] == [cases["closed"].reference]
    (mine,) = copy["cases"]
    assert (mine["name"], mine["phone"], mine["address"]) == (
        "李秀英",
        "138 1234 5678",
        "3号楼201室",
    )
    assert "王建国" not in json.dumps(copy, ensure_ascii=False)  # not another party's data
    done = rights.answer(request=request, actor=mediator, answer="已当面交付电子副本。")
    assert (done.status, done.legal_basis, done.answered_by) == (
        RightsStatus.DONE,
        "《个人信息保护法》第四十五条",
        mediator,
    )
    with pytest.raises(TransitionRefused, match="already been answered"):
        rights.answer(request=request, actor=mediator, answer="again")


def test_a_correction_changes_the_requesters_rows(cases, world, mediator):
    request = _receive(mediator, world, RightsKind.CORRECT, details="新手机号")
    rights.answer(request=request, actor=mediator, answer="已更正。", corrected_phone="13700007777")
    party = Party.objects.get(case=cases["closed"], name="李秀英")
    assert party.phone == "13700007777"
    # The other area's row is not this committee's to change.
    assert Party.objects.get(case=cases["elsewhere"]).phone == "13812345678"


def test_a_deletion_of_ended_cases_clears_the_requester_only(cases, world, mediator):
    request = _receive(mediator, world, RightsKind.DELETE)
    done = rights.answer(request=request, actor=mediator, answer="已删除。")
    assert done.status == RightsStatus.DONE and "第四十七条" in done.legal_basis
    forgotten = Party.objects.get(case=cases["closed"], role="applicant", name="某某")
    assert (forgotten.phone, forgotten.address) == ("", "")
    assert Party.objects.filter(case=cases["closed"], name="王建国").exists()
    assert Case.objects.get(pk=cases["closed"].pk).description == "某某反映楼上漏水，电话***。"


def test_a_deletion_clears_the_texts_to_the_requesters_number(cases, world, mediator):
    """The SMS rows and the stage alert of the case hold the number too (#22): they go
    with it; texts to another party's number stay."""
    from casework.models import SmsMessage, SmsPurpose, StageAlert
    from casework.phones import phone_key

    closed = cases["closed"]
    for number in ("13812345678", "13900001111"):
        SmsMessage.objects.create(
            case=closed,
            to=number,
            to_key=phone_key(number),
            body="已受理",
            purpose=SmsPurpose.STAGE,
        )
    StageAlert.objects.create(case=closed, phone="13812345678", phone_key=phone_key("13812345678"))
    rights.answer(
        request=_receive(mediator, world, RightsKind.DELETE), actor=mediator, answer="已删除。"
    )
    assert not SmsMessage.objects.filter(case=closed, to_key=phone_key("13812345678")).exists()
    assert SmsMessage.objects.filter(case=closed, to_key=phone_key("13900001111")).count() == 1
    assert not StageAlert.objects.filter(case=closed).exists()


@pytest.mark.parametrize(
    ("status", "reason", "basis"),
    [
        (Status.IN_PROGRESS, "still being handled", "第四十七条第一款"),
        (Status.ARCHIVED, "archive", "档案法"),
    ],
)
def test_a_deletion_under_a_hold_is_refused_with_its_reason(
    cases, world, mediator, status, reason, basis
):
    Case.objects.filter(pk=cases["closed"].pk).update(status=status)
    request = _receive(mediator, world, RightsKind.DELETE)
    done = rights.answer(request=request, actor=mediator, answer="")
    assert done.status == RightsStatus.REFUSED
    assert reason in done.answer and basis in done.legal_basis
    assert Party.objects.filter(case=cases["closed"], name="李秀英").exists()  # nothing lost


def test_the_stored_phone_is_encrypted(world, mediator):
    from django.db import connection

    request = _receive(mediator, world, RightsKind.ACCESS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM casework_rightsrequest WHERE id = %s", [request.pk])
        assert cursor.fetchone()[0].startswith("pii1:")


# ------------------------------------------------------------------------ pages


def test_staff_receive_answer_and_hand_over_a_copy_through_the_pages(
    client, cases, world, mediator
):
    client.force_login(mediator)
    url = reverse("casework:rights_list")
    page = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert "个人信息请求" in page and "登记请求" in page
    response = client.post(
        url,
        {
            "organisation": world.committee_a.pk,
            "kind": "delete",
            "name": "李秀英",
            "phone": "13812345678",
            "identity_checked": "居民身份证原件",
            "details": "",
        },
    )
    item = rights.requests_for(mediator).get()
    assert response["Location"] == reverse("casework:rights_detail", args=[item.pk])
    page = client.get(response["Location"]).content.decode()
    assert cases["closed"].reference in page and cases["elsewhere"].reference not in page
    copy = client.get(reverse("casework:rights_copy", args=[item.pk]))
    assert copy["Content-Type"].startswith("application/json")
    assert json.loads(copy.content)["cases"][0]["reference"] == cases["closed"].reference
    client.post(response["Location"], {"answer": "已删除您的个人信息。"})
    item.refresh_from_db()
    assert item.status == RightsStatus.DONE and item.answered_by == mediator


def test_outsiders_cannot_open_another_organisations_request(client, world, mediator, outsider):
    item = _receive(mediator, world, RightsKind.ACCESS)
    client.force_login(outsider)
    for name in ("casework:rights_detail", "casework:rights_copy"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 404
    assert item.name not in client.get(reverse("casework:rights_list")).content.decode()


def test_the_processing_register_is_generated_from_the_models(client, supervisor, mediator):
    from django.apps import apps

    from casework import privacy
    from core.fields import EncryptedCharField

    client.force_login(mediator)
    assert client.get(reverse("casework:privacy_register")).status_code == 403
    client.force_login(supervisor)
    page = client.get(
        reverse("casework:privacy_register"), headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "个人信息处理活动记录" in page and "是（SM4）" in page
    rows = privacy.register_rows()
    encrypted = {(str(r["model"]), str(r["field"])) for r in rows if r["encrypted"]}
    # Every encrypted field of every model is declared in the register.
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedCharField):
                assert (str(model._meta.verbose_name), str(f.verbose_name)) in encrypted


def test_a_deletion_leaves_nothing_on_the_residents_cached_status_page(
    client, cases, world, mediator, django_capture_on_commit_callbacks
):
    """The scrub keeps the case's key (nothing its users see changed), so the status page's
    cached summary would have shown the old words for the rest of the day: it is dropped."""
    import time

    from django.core.cache import cache

    from casework import portal_reads
    from casework.portal_views import VERIFIED_KEY

    closed = cases["closed"]
    session = client.session
    session[VERIFIED_KEY] = {"pk": closed.pk, "at": time.time()}
    session.save()
    page = client.get(reverse("portal:status"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "李秀英反映楼上漏水" in page.content.decode()
    assert cache.get(portal_reads.summary_key(portal_reads.status_case(closed.pk))) is not None
    request = _receive(mediator, world, RightsKind.DELETE)
    with django_capture_on_commit_callbacks(execute=True):
        rights.answer(request=request, actor=mediator, answer="已删除。")
    page = client.get(reverse("portal:status"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "李秀英" not in page and "13812345678" not in page
    assert "某某反映楼上漏水" in page
