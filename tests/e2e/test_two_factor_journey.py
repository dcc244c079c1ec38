"""Two-factor sign-in in a real browser: a supervisor signs in on a phone, is sent to set
up an authenticator, scans the QR code the page draws (read back here with zbarimg, as a
phone camera would), types the app's code, keeps the recovery codes, and at the next
sign-in, at a desk, gives the code after the password."""

import base64
import re
import shutil
import subprocess
import time
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def sign_in(context, base):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("Username|用户名")).fill("supervisor")
    page.get_by_label(re.compile("Password|密码")).fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    return page


def app_code(secret: str, at: float) -> str:
    """What the phone's app shows at ``at``: RFC 6238, SHA-1, six digits, 30 s."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = at
    return f"{totp.token():06d}"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="needs zbar-tools (make install)")
def test_a_supervisor_sets_up_two_factor_by_scanning_and_signs_in_with_it(
    live_server, browser, shots, supervisor, tmp_path
):
    base = live_server.url
    phone = browser.new_context(**PHONE, locale="zh-CN")
    phone.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page = sign_in(phone, base)
    expect(page.get_by_role("heading", name="设置两步验证")).to_be_visible()
    expect(page.locator("nav.mainnav")).to_have_count(0)  # no staff pages offered yet
    shots(page, "setup-phone")

    # Scan the QR code as a camera would: from the pixels on the screen.
    page.locator("img.qr").screenshot(path=str(tmp_path / "qr.png"))
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "qr.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    uri = urlparse(scanned)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert unquote(uri.path) == "/Linli 邻里:supervisor"
    secret = parse_qs(uri.query)["secret"][0]
    shown = page.locator(".secret").inner_text().replace(" ", "").strip()
    assert shown == secret  # the key to type by hand is the same

    page.get_by_label("六位验证码").fill(app_code(secret, time.time()))
    page.get_by_role("button", name="开启两步验证").click()
    expect(page.get_by_role("heading", name="备用码")).to_be_visible()
    codes = page.locator("ol.recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shots(page, "recovery-codes-phone")
    page.get_by_role("link", name="我已保存好，继续").click()
    expect(page.locator("nav.mainnav")).to_be_attached()  # folded behind 菜单 on a phone
    phone.close()

    # Next sign-in, at a desk: the code after the password (the next 30-second step, as
    # the one just used is spent).
    desk = browser.new_context(**DESKTOP, locale="zh-CN")
    desk.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page = sign_in(desk, base)
    expect(page.get_by_role("heading", name="输入登录验证码")).to_be_visible()
    shots(page, "verify-desk")
    valid_now = {app_code(secret, time.time() + d) for d in (-30, 0, 30, 60)}
    page.get_by_label("应用显示的验证码").fill(
        next(c for c in ("000000", "111111") if c not in valid_now)
    )
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("alert")).to_contain_text("验证码不正确")
    time.sleep(1.1)  # django-otp's back-off after one wrong code
    page.get_by_label("应用显示的验证码").fill(app_code(secret, time.time() + 30))
    page.get_by_role("button", name="验证").click()
    expect(page.locator("nav.mainnav")).to_be_attached()  # folded behind 菜单 on a phone
    assert urlparse(page.url).path == "/"
    desk.close()
