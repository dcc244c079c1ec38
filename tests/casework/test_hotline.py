"""The 12345 work-order exchange: orders in (JSON, CSV, XLSX), messages out, retries."""

import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from casework.hotline import actions, outbound
from casework.hotline.inbound import FIELDS, OrderImportError, import_orders, read_batch
from casework.hotline.masking import mask_caller_name, mask_caller_phone
from casework.models import (
    Case,
    CaseEvent,
    Channel,
    HotlineCategoryMap,
    HotlineOrder,
    HotlineOutbox,
    HotlineStatus,
    OutboxKind,
    OutboxStatus,
)
from core.exceptions import TransitionRefused
from tests.factories import category

FIXTURES = Path(__file__).parent / "fixtures" / "hotline"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def mapping(db):
    HotlineCategoryMap.objects.create(
        hotline_category="建筑施工噪声", category=category("construction_noise")
    )
    HotlineCategoryMap.objects.create(hotline_category="饲养宠物扰民", category=category("pets"))


def load(name):
    return read_batch(name, (FIXTURES / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "phone", "masked_name", "masked_phone"),
    [
        ("王秀英", "13912345678", "王**", "139****5678"),
        ("欧阳娜娜", "+86 138-0000-1111", "欧阳**", "861****1111"),
        ("李先生", "021-6288****", "李先生", "021-6288****"),  # as the hotline sent it
        ("", "", "", ""),
    ],
)
def test_the_caller_is_masked_as_the_hotline_masks_them(name, phone, masked_name, masked_phone):
    assert mask_caller_name(name) == masked_name
    assert mask_caller_phone(phone) == masked_phone


def test_a_batch_becomes_cases_with_the_hotlines_deadlines(world, mapping):
    result = import_orders(records=load("batch.json"))
    assert len(result.created) == 3 and result.updated == []
    assert result.unmapped == {"其他城市管理"}  # filed as "other", named for the admin

    noise = HotlineOrder.objects.get(order_number="SH2026120300123")
    case = noise.case
    assert case.channel == Channel.HOTLINE and case.external_ref == "SH2026120300123"
    assert case.category.code == "construction_noise"
    assert case.place == world.building_a and case.organisation == world.committee_a
    assert case.description.startswith("来电人反映：幸福小区3号楼旁工地")
    assert case.requests == "要求相关部门制止夜间施工。"
    assert noise.sign_for_due == at(2026, 12, 3, 11, 12, 5)
    assert noise.reply_due == at(2026, 12, 10, 17, 0)
    assert noise.called_at == at(2026, 12, 3, 9, 12, 5)
    assert noise.status == HotlineStatus.RECEIVED
    assert (noise.caller, noise.caller_phone) == ("王**", "139****5678")
    assert case.parties.get().name == "王**" and case.parties.get().phone == ""
    assert "13912345678" not in json.dumps(noise.raw) and "王秀英" not in json.dumps(noise.raw)

    pets = HotlineOrder.objects.get(order_number="SH2026120300456")
    assert pets.case.place == world.estate_b and pets.case.organisation == world.committee_b
    assert pets.reply_due == at(2026, 12, 17, 17, 0)
    other = HotlineOrder.objects.get(order_number="SH2026120300789")
    assert other.case.category.code == "other" and other.case.place == world.street
    assert other.caller == "欧阳**"


def test_the_same_order_again_updates_the_deadlines_instead_of_a_second_case(world, mapping):
    import_orders(records=load("batch.json"))
    again = [
        (
            "record 1",
            {
                "order_number": "SH2026120300123",
                "category": "建筑施工噪声",
                "content": "（重复来电）",
                "address": "长宁区新华路街道番禺居民区幸福小区3号楼",
                "sign_for_due": "2026-12-03 11:12:05",
                "reply_due": "2026-12-15 17:00:00",
                "status": "已办结",
            },
        )
    ]
    result = import_orders(records=again)
    assert result.created == [] and len(result.updated) == 1
    order = HotlineOrder.objects.get(order_number="SH2026120300123")
    assert order.reply_due == at(2026, 12, 15, 17, 0) and order.status == HotlineStatus.CLOSED
    assert Case.objects.filter(external_ref="SH2026120300123").count() == 1
    assert not order.case.description.startswith("（重复来电）")


def test_csv_in_gbk_and_xlsx_read_like_the_json(world, mapping):
    orders = json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8"))["orders"]
    headings = list(FIELDS.values())
    text = io.StringIO()
    text.write(",".join(headings) + "\n")
    for o in orders[:2]:
        text.write(",".join(o.get(h, "") for h in headings) + "\n")
    records = read_batch("orders.csv", text.getvalue().encode("gb18030"))
    assert [r["order_number"] for _where, r in records] == ["SH2026120300123", "SH2026120300456"]

    book = Workbook()
    sheet = book.active
    sheet.append(headings)
    for o in orders:
        row = [o.get(h, "") for h in headings]
        row[headings.index("签收时限")] = dt.datetime.fromisoformat(
            o["签收时限"].replace(" ", "T")
        ).replace(tzinfo=None)  # Excel cells hold naive Beijing times
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_orders(records=read_batch("orders.xlsx", buffer.getvalue()))
    assert len(result.created) == 3
    order = HotlineOrder.objects.get(order_number="SH2026120300123")
    assert order.sign_for_due == at(2026, 12, 3, 11, 12, 5)


def test_a_bad_batch_names_every_bad_line_and_imports_nothing(world, mapping):
    with pytest.raises(OrderImportError) as raised:
        import_orders(records=load("batch_bad.csv"))
    assert raised.value.problems == [
        "line 3: 诉求内容 (content) is missing",
        "line 4: 签收时限 (sign_for_due) '明天' is not a date and time",
        "line 5: 答复时限 is before 签收时限",
    ]
    assert not Case.objects.exists() and not HotlineOrder.objects.exists()
    with pytest.raises(OrderImportError, match="unknown file type"):
        read_batch("orders.txt", b"")
    with pytest.raises(OrderImportError, match="not an XLSX"):
        read_batch("orders.xlsx", b"PK not really")


def test_the_import_command_reports_and_refuses(world, mapping, capsys):
    call_command("hotline_import", str(FIXTURES / "batch.json"))
    out = capsys.readouterr().out
    assert "3 new cases, 0 updated" in out and "其他城市管理" in out
    with pytest.raises(CommandError, match="line 3: 诉求内容"):
        call_command("hotline_import", str(FIXTURES / "batch_bad.csv"))


# ----------------------------------------------------------------------- messages out


@pytest.fixture
def order(world, mapping):
    import_orders(records=load("batch.json"))
    return HotlineOrder.objects.select_related("case").get(order_number="SH2026120300123")


@pytest.fixture
def drop(tmp_path, settings):
    settings.LINLI = {**settings.LINLI, "HOTLINE_DROP_DIR": str(tmp_path / "outbox")}
    return tmp_path / "outbox"


def test_each_action_queues_its_message_and_the_file_drop_writes_it(order, mediator, drop):
    with pytest.raises(TransitionRefused, match="reload"):
        actions.act(order=order, actor=mediator, kind=OutboxKind.REPLY, text="已处理")
    actions.act(order=order, actor=mediator, kind=OutboxKind.SIGN_FOR)
    assert actions.available(order) == [OutboxKind.RETURN, OutboxKind.EXTENSION, OutboxKind.REPLY]
    with pytest.raises(TransitionRefused, match="1 to 30"):
        actions.act(order=order, actor=mediator, kind=OutboxKind.EXTENSION, text="需协调", days=45)
    actions.act(order=order, actor=mediator, kind=OutboxKind.EXTENSION, text="需协调施工方", days=5)
    actions.act(
        order=order,
        actor=mediator,
        kind=OutboxKind.REPLY,
        text="已联系施工方，承诺22时后停止打桩。",
    )
    order.refresh_from_db()
    assert order.status == HotlineStatus.REPLIED
    assert HotlineOutbox.objects.filter(status=OutboxStatus.PENDING).count() == 3

    result = outbound.send_due()
    assert (result.sent, result.failed) == (3, 0)
    files = sorted(drop.glob("*.json"))
    assert [f.name.split("-")[1] for f in files] == ["extension", "reply", "sign_for"]
    messages = {m["type"]: m for m in (json.loads(f.read_text("utf-8")) for f in files)}
    assert messages["sign_for"]["order_number"] == "SH2026120300123"
    assert messages["sign_for"]["unit"] == "番禺居委会"
    assert messages["extension"]["days"] == 5
    assert messages["extension"]["reply_due_requested"] == "2026-12-15T17:00:00+08:00"
    assert messages["reply"]["reply"] == "已联系施工方，承诺22时后停止打桩。"
    assert not list(drop.glob("*.part"))  # no half-written files
    assert set(HotlineOutbox.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    notes = CaseEvent.objects.filter(case=order.case, note__contains="SH2026120300123")
    assert notes.count() == 3 and not notes.filter(is_public=True).exists()
    assert outbound.send_due().sent == 0  # nothing sent twice


def test_a_return_carries_its_reason(order, mediator, drop):
    actions.act(
        order=order,
        actor=mediator,
        kind=OutboxKind.RETURN,
        text="不属于本街道管辖，应退回区建管委。",
    )
    outbound.send_due()
    (message,) = [json.loads(f.read_text("utf-8")) for f in drop.glob("*.json")]
    assert message["type"] == "return" and message["reason"].startswith("不属于本街道管辖")
    order.refresh_from_db()
    assert order.status == HotlineStatus.RETURN_REQUESTED and actions.available(order) == []


def test_an_outsider_cannot_answer_the_hotline(order, outsider):
    from core.exceptions import ActionForbidden

    with pytest.raises(ActionForbidden):
        actions.act(order=order, actor=outsider, kind=OutboxKind.SIGN_FOR)
    assert not HotlineOutbox.objects.exists()


class Broken:
    def __init__(self):
        self.calls = 0

    def send(self, message):
        self.calls += 1
        raise outbound.TransportError("connection refused by 12345 gateway")


def test_a_failing_transport_retries_with_backoff_then_gives_up_visibly(order, mediator):
    actions.act(order=order, actor=mediator, kind=OutboxKind.SIGN_FOR)
    from django.utils import timezone

    broken, now = Broken(), timezone.now() + dt.timedelta(seconds=1)
    assert outbound.send_due(transport=broken, now=now).failed == 1
    message = HotlineOutbox.objects.get()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.last_error == "connection refused by 12345 gateway"
    assert message.next_attempt_at == now + dt.timedelta(minutes=1)
    # Not due yet: not tried.
    assert outbound.send_due(transport=broken, now=now + dt.timedelta(seconds=30)).failed == 0
    waits = [message.next_attempt_at - now]
    for _ in range(outbound.MAX_ATTEMPTS - 1):
        now = message.next_attempt_at
        outbound.send_due(transport=broken, now=now)
        message.refresh_from_db()
        waits.append(message.next_attempt_at - now)
    assert [w.total_seconds() / 60 for w in waits[:5]] == [1, 2, 4, 8, 16]
    assert waits[-1] == dt.timedelta(hours=6)
    assert message.status == OutboxStatus.FAILED and broken.calls == outbound.MAX_ATTEMPTS

    # On the case page: the failure, its attempts and error, and a way to send it again.
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(mediator)
    page = client.get(f"/cases/{order.case.pk}/").content.decode()
    assert "12345热线工单" in page and "SH2026120300123" in page
    assert "重试后仍失败" in page and "10 次尝试" in page
    assert "connection refused by 12345 gateway" in page
    response = client.post(f"/cases/{order.case.pk}/hotline/{message.pk}/resend/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING


def test_the_case_page_shows_the_hotline_clock_beside_ours_and_acts(order, mediator, drop):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(mediator)
    page = client.get(f"/cases/{order.case.pk}/").content.decode()
    assert "签收时限（12345）" in page and "2026-12-03 11:12" in page
    assert "答复时限（12345）" in page and "2026-12-10 17:00" in page
    assert "本系统时限" in page and "王**" in page and "139****5678" in page
    assert "13912345678" not in page
    response = client.post(f"/cases/{order.case.pk}/hotline/", {"kind": "sign_for"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == HotlineStatus.SIGNED_FOR
    assert HotlineOutbox.objects.get().kind == OutboxKind.SIGN_FOR
    call_command("hotline_send")
    assert len(list(drop.glob("*.json"))) == 1


def test_the_http_transport_is_not_built_and_says_so(settings):
    settings.LINLI = {**settings.LINLI, "HOTLINE_TRANSPORT": "http"}
    with pytest.raises(NotImplementedError, match="not built"):
        outbound.configured_transport()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_sign_for_one_order_at_once_one_wins(world, mediator, colleague):
    from tests.concurrency import needs_postgres, race

    needs_postgres()
    HotlineCategoryMap.objects.create(
        hotline_category="建筑施工噪声", category=category("construction_noise")
    )
    import_orders(records=load("batch.json"))
    order = HotlineOrder.objects.get(order_number="SH2026120300123")
    copies = [HotlineOrder.objects.get(pk=order.pk) for _ in range(2)]
    outcomes = race(
        lambda: actions.act(order=copies[0], actor=mediator, kind=OutboxKind.SIGN_FOR),
        # Both tapped "sign for" on the page that showed it unsigned.
        lambda: actions.act(order=copies[1], actor=colleague, kind=OutboxKind.SIGN_FOR),
    )
    assert sorted(o.kind for o in outcomes) == ["TransitionRefused", "ok"]
    assert "reload" in next(o.error for o in outcomes if not o.ok).messages[0]
    assert HotlineOutbox.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_at_once_send_each_message_once(world, mediator, tmp_path):
    from tests.concurrency import needs_postgres, race

    needs_postgres()
    HotlineCategoryMap.objects.create(
        hotline_category="建筑施工噪声", category=category("construction_noise")
    )
    import_orders(records=load("batch.json"))
    for order in HotlineOrder.objects.filter(case__organisation=world.committee_a):
        actions.act(order=order, actor=mediator, kind=OutboxKind.SIGN_FOR)
    transport = outbound.FileDropTransport(tmp_path)
    outcomes = race(
        lambda: outbound.send_due(transport=transport),
        lambda: outbound.send_due(transport=transport),
    )
    assert all(o.ok for o in outcomes)
    queued = HotlineOutbox.objects.count()
    assert sum(o.value.sent for o in outcomes) == queued == len(list(tmp_path.glob("*.json")))
