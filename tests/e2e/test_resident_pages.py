"""The resident pages in a real browser (Debian's chromium, 390 × 844, zh-hans):

- axe-core (bundled with axe-playwright-python, no network) on every resident page in
  every state a resident meets it, in the normal look and in 长辈模式: no serious or
  critical violation;
- the second half of the resident's journey: they watch every stage as staff move the
  case (through the services), read the agency's reply, tap "不满意" once, and ask to
  reopen — and are told who calls them by when.

Screenshots of every step land in var/e2e-artifacts/<test>/ (both looks, phone and desk).
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from casework import services
from casework.models import Rating
from tests.casework.resident_pages import cases_in_every_state, refer, resolve, submitted, to_work

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 900}}
BAD = {"serious", "critical"}


def _context(browser, base, *, senior=False, size=PHONE):
    context = browser.new_context(**size, locale="zh-CN")
    cookies = [{"name": "django_language", "value": "zh-hans", "url": base}]
    if senior:
        cookies.append({"name": "linli_senior", "value": "1", "url": base})
    context.add_cookies(cookies)
    return context


def _look_up(page, base, resident):
    page.goto(f"{base}/r/status/")
    page.locator("input[name=reference]").fill(resident.case.reference)
    page.locator("input[name=code]").fill(resident.code)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text(resident.case.reference)


SMALL_TARGETS = """() => [...document.querySelectorAll(
  'button, select, summary, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), '
  + '.topbar a, .skip-link:focus')]
  .filter(el => !el.closest('[aria-hidden=true], .hp') && el.getClientRects().length)
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.height < 44 || r.width < 44)
  .map(([el, r]) =>
    `${el.tagName.toLowerCase()}.${el.className}: ${Math.round(r.width)}×${Math.round(r.height)}`)
"""


def _small_targets(page) -> list[str]:
    """Controls a finger must hit that are smaller than 44 × 44 CSS px (WCAG 2.5.5)."""
    return page.evaluate(SMALL_TARGETS)


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BAD
    ]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("senior", [False, True], ids=["normal", "senior"])
def test_no_serious_accessibility_violation_on_any_resident_page(
    live_server, browser, shots, world, mediator, supervisor, senior
):
    base = live_server.url
    found = {}
    context = _context(browser, base, senior=senior)
    page = context.new_page()
    for name, path in (
        ("home", "/"),
        ("submit", "/r/"),
        ("lookup", "/r/status/"),
        ("receipt", "/r/receipt/"),
        ("mine-phone", "/r/mine/phone/"),
    ):
        page.goto(base + path)
        found[name] = _serious(page) + _small_targets(page)
        shots(page, name)
    for state, resident in cases_in_every_state(world, mediator, supervisor).items():
        _look_up(page, base, resident)
        found[f"status {state}"] = _serious(page) + _small_targets(page)
        shots(page, f"status-{state}")
        page.locator("form[action$='/leave/'] button").click()
    context.close()
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_resident_follows_every_stage_and_asks_to_reopen(
    live_server, browser, shots, world, mediator, supervisor, agency_officer
):
    base = live_server.url
    resident = submitted(world)
    context = _context(browser, base)
    page = context.new_page()
    _look_up(page, base, resident)

    def stages():
        return page.locator("[data-stage]").evaluate_all("els => els.map(e => e.dataset.stage)")

    expect(page.locator(".progress li.current")).to_have_text("已收到")
    shots(page, "received")
    case = to_work(resident.case, mediator, supervisor)
    page.reload()
    assert stages() == ["received", "accepted", "in_progress"]
    expect(page.locator(".progress li.current")).to_have_text("办理中")
    shots(page, "in-progress")

    referral = refer(case, world, mediator)
    page.reload()
    expect(page.get_by_text("您的诉求已转交新华路派出所办理")).to_be_visible()
    expect(page.locator(".pause")).to_contain_text("预计办结日期顺延至")
    expect(page.get_by_text("预计办结日期", exact=True)).to_have_count(0)
    shots(page, "referred-paused")

    referral = services.referral_transition(
        referral=referral, name="sign_for", actor=agency_officer
    )
    referral = services.referral_reply(
        referral=referral, actor=agency_officer, reply="已到场核查，责令施工方晚十点后停工。"
    )
    services.referral_transition(referral=referral, name="accept_reply", actor=mediator)
    page.reload()
    expect(page.get_by_text("新华路派出所答复如下：")).to_be_visible()
    expect(page.get_by_text("已到场核查，责令施工方晚十点后停工。")).to_be_visible()
    shots(page, "agency-reply")

    resolve(case, mediator)
    page.reload()
    assert stages()[-1] == "resolved"
    expect(page.locator(".progress li.current")).to_have_text("已办结")
    buttons = page.locator("button[name=verdict]")
    expect(buttons).to_have_count(3)
    for i in range(3):
        box = buttons.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    shots(page, "rate")

    page.get_by_role("button", name="不满意", exact=True).click()  # one tap
    expect(page.get_by_role("button", name="申请重新办理")).to_be_visible()
    expect(page.locator("button[name=verdict]")).to_have_count(0)
    shots(page, "not-satisfied")
    page.get_by_label("还有什么问题没有解决？（选填）").fill("晚上十点以后还在打桩。")
    page.get_by_role("button", name="申请重新办理").click()
    confirm = page.locator(".confirm")
    expect(confirm).to_contain_text("番禺居委会将在")
    expect(confirm).to_contain_text("前与您联系")
    rating = Rating.objects.get(case=case)
    assert rating.open_request and rating.reopen_reason == "晚上十点以后还在打桩。"
    assert re.search(r"\d{4}-\d{2}-\d{2}", confirm.inner_text())
    shots(page, "reopen-confirmed")

    # 长辈模式 from the page itself (a form post), remembered on reload.
    page.get_by_role("button", name="长辈模式").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\bsenior\b"))
    page.reload()
    expect(page.locator("body")).to_have_class(re.compile(r"\bsenior\b"))
    shots(page, "reopen-confirmed-senior")
    context.close()

    # The same page at desk width, both looks.
    for senior in (False, True):
        desk = _context(browser, base, senior=senior, size=DESK)
        page = desk.new_page()
        _look_up(page, base, resident)
        shots(page, "desk-senior" if senior else "desk")
        desk.close()


@pytest.mark.e2e
def test_the_accessibility_check_can_fail(browser):
    """The check above would see a violation: an image without a text, an unlabelled input."""
    page = browser.new_page()
    page.set_content(
        '<html lang="zh-hans"><body><main><img src="x.png"><input></main></body></html>'
    )
    assert {v.split(" ")[0] for v in _serious(page)} >= {"image-alt", "label"}
    page.set_content('<button style="height:20px;width:80px">x</button>')
    assert _small_targets(page) == ["button.: 80×20"]
    page.close()
