"""A 12345 order on the case page in a real browser, in Chinese, on a phone and a desk."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from casework.hotline.inbound import import_orders, read_batch
from casework.models import HotlineCategoryMap, HotlineOrder, HotlineStatus
from tests.factories import category

FIXTURES = Path(__file__).parents[1] / "casework" / "fixtures" / "hotline"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_mediator_signs_for_a_hotline_order(live_server, browser, shots, world, mediator):
    mediator.set_password("linli-demo-2026")
    mediator.save()
    world.building_a.latitude, world.building_a.longitude = Decimal("31.2037"), Decimal("121.4303")
    world.building_a.save()
    HotlineCategoryMap.objects.create(
        hotline_category="建筑施工噪声", category=category("construction_noise")
    )
    data = (FIXTURES / "batch.json").read_bytes()
    import_orders(records=read_batch("batch.json", data))
    order = HotlineOrder.objects.get(order_number="SH2026120300123")

    for name, options in (("phone", PHONE), ("desk", DESKTOP)):
        context = browser.new_context(**options, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label(re.compile("用户名")).fill("mediator")
        page.get_by_label(re.compile("密码")).fill("linli-demo-2026")
        page.get_by_role("button", name=re.compile("登录")).click()
        page.goto(f"{live_server.url}/cases/{order.case.pk}/")
        section = page.locator("#hotline")
        expect(section).to_contain_text("签收时限（12345）")
        expect(section).to_contain_text("已接收·待签收")
        expect(page.locator("body")).to_contain_text("坐标（WGS-84）：31.203700, 121.430300")
        section.scroll_into_view_if_needed()
        shots(page, f"{name}-hotline-received")
        if name == "desk":
            section.get_by_role("button", name="发送给热线").click()
            expect(page.locator("#hotline")).to_contain_text("等待发送")
            shots(page, f"{name}-hotline-signed-for")
        context.close()
    order.refresh_from_db()
    assert order.status == HotlineStatus.SIGNED_FOR
