"""Two-factor sign-in, through the real pages: the password, then set-up or the code.

Supervisors, superusers and staff reach no staff page and not the admin until they have
set up an authenticator app and given its code this session; everyone else may turn it on
and is then asked for it. (Elsewhere ``force_login`` stands for a whole sign-in.)"""

import re
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import otp
from tests.factories import UserFactory
from tests.urlwalk import PUBLIC, paths

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
SETUP = reverse("two_factor:setup")
VERIFY = reverse("two_factor:verify")


def sign_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def code_for(device, at=None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def enrol(client, user) -> list[str]:
    """Set up an authenticator through the page; returns the recovery codes shown."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"]).content.decode()
    return re.findall(r"<li>([a-z2-7]{8})</li>", page)


def records(monkeypatch) -> list:
    """The security events raised, through the one call site."""
    seen = []
    real = otp.record_security_event

    def spy(kind, **kwargs):
        seen.append((kind, getattr(kwargs.get("subject"), "username", None)))
        return real(kind, **kwargs)

    monkeypatch.setattr(otp, "record_security_event", spy)
    return seen


# ------------------------------------------------------------------------ enforcement


def test_a_supervisor_reaches_no_staff_page_before_setting_up(client, supervisor):
    sign_in(client, "supervisor")
    checked = 0
    for name, path in paths():
        if name in PUBLIC or name.startswith(("api:", "two_factor:")) or name == "logout":
            continue
        if name == "metrics":  # for a scraper's token only: 404 to every session
            assert client.get(path).status_code == 404
            continue
        response = client.get(path)
        assert response.status_code == 302, (name, path, response.status_code)
        assert response["Location"] == f"{SETUP}?next={quote(path)}", name
        checked += 1
    assert checked > 50
    assert TOTPDevice.objects.filter(user=supervisor, confirmed=True).count() == 0


def test_public_pages_stay_open_to_a_signed_in_supervisor_without_a_code(client, supervisor):
    sign_in(client, "supervisor")
    assert client.get(reverse("portal:submit")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get("/api/v1/cases/").status_code == 401  # tokens only, as before
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_superuser_and_staff_cannot_open_the_admin_before_setting_up(client, db):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    sign_in(client, "root")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    client.post(reverse("logout"))
    UserFactory(username="clerk", is_staff=True)
    sign_in(client, "clerk")
    response = client.get(reverse("admin:casework_category_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_a_mediator_without_two_factor_is_not_stopped(client, mediator):
    sign_in(client, "mediator")
    assert client.get(reverse("casework:home")).status_code == 200


# --------------------------------------------------------------------------- set-up


def test_setting_up_shows_a_local_qr_and_the_key_and_needs_a_right_first_code(
    client, supervisor, monkeypatch
):
    seen = records(monkeypatch)
    sign_in(client, "supervisor")
    page = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    # The QR is drawn here (an SVG data URI: nothing fetched from elsewhere) and the key is
    # printed for typing in, in groups of four.
    assert 'src="data:image/svg+xml' in page and "http" not in page.split("data:image")[1][:20]
    secret = otp.secret_text(device)
    assert secret.replace(" ", "") == device.config_url.split("secret=")[1].split("&")[0]
    assert secret in page
    wrong = client.post(SETUP, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=2)):
        codes = enrol(client, supervisor)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=supervisor).values_list("token", flat=True)
    )
    assert TOTPDevice.objects.get(user=supervisor).confirmed
    # Shown once: the page again shows only how many are left.
    again = client.get(reverse("two_factor:recovery_codes")).content.decode()
    assert not any(c in again for c in codes) and "10 recovery codes left" in again
    # This session counts as verified: the staff pages open.
    assert client.get(reverse("casework:home")).status_code == 200
    assert ("two_factor.enrolled", "supervisor") in seen


def test_a_new_phone_replaces_the_old_one_only_after_a_code(client, supervisor):
    sign_in(client, "supervisor")
    enrol(client, supervisor)
    old = TOTPDevice.objects.get(user=supervisor)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        enrol(client, supervisor)  # verified this session: allowed
    (new,) = TOTPDevice.objects.filter(user=supervisor)
    assert new.pk != old.pk and new.confirmed


def test_setting_up_again_without_the_code_is_sent_to_the_code_page(client, supervisor):
    sign_in(client, "supervisor")
    enrol(client, supervisor)
    client.post(reverse("logout"))
    sign_in(client, "supervisor")
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=supervisor, confirmed=False).exists()


# ------------------------------------------------------------------ the code at sign-in


def test_after_the_password_an_enrolled_user_gives_the_code(client, supervisor, monkeypatch):
    sign_in(client, "supervisor")
    enrol(client, supervisor)
    client.post(reverse("logout"))
    seen = records(monkeypatch)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=90), tick=False):
        sign_in(client, "supervisor")
        home = reverse("casework:home")
        response = client.get(home)
        assert response["Location"] == f"{VERIFY}?next={quote(home)}"
        session_before = client.session.session_key
        device = TOTPDevice.objects.get(user=supervisor)
        wrong = "000000" if code_for(device) != "000000" else "999999"
        page = client.post(VERIFY, {"code": wrong, "next": home}).content.decode()
        assert "That code is not right" in page
        # django-otp's back-off: right after a wrong code even the right one waits.
        page = client.post(VERIFY, {"code": code_for(device), "next": home}).content.decode()
        assert "Too many wrong codes. Wait 1 second" in page
        assert client.get(home).status_code == 302
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=95), tick=False):
        response = client.post(VERIFY, {"code": code_for(device), "next": home})
        assert response.status_code == 302 and response["Location"] == home
        assert client.session.session_key != session_before  # renewed with the privilege
        assert client.get(home).status_code == 200
    assert [k for k, _u in seen] == [
        "two_factor.failed",
        "two_factor.throttled",
        "two_factor.verified",
    ]


def test_the_back_off_doubles_with_each_wrong_code(client, mediator):
    sign_in(client, "mediator")
    enrol(client, mediator)
    client.post(reverse("logout"))
    start = timezone.now() + timezone.timedelta(seconds=60)
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, "mediator")
        waits = []
        for _ in range(4):
            client.post(VERIFY, {"code": "000001"})
            page = client.post(VERIFY, {"code": "000001"}).content.decode()
            waits.append(int(re.search(r"Wait (\d+) second", page).group(1)))
            clock.shift(waits[-1])
    assert waits == [1, 2, 4, 8]


def test_a_code_is_accepted_once(client, supervisor):
    from django.test import Client

    sign_in(client, "supervisor")
    enrol(client, supervisor)
    device = TOTPDevice.objects.get(user=supervisor)
    at = timezone.now() + timezone.timedelta(seconds=120)
    with time_machine.travel(at, tick=False):
        first, second = (
            Client(headers={"accept-language": "en"}),
            Client(headers={"accept-language": "en"}),
        )
        for browser in (first, second):
            sign_in(browser, "supervisor")
        code = code_for(device)
        assert first.post(VERIFY, {"code": code}).status_code == 302
        page = second.post(VERIFY, {"code": code}).content.decode()
        assert "That code is not right" in page  # seen once already (a replay)


def test_a_recovery_code_works_once(client, supervisor, monkeypatch):
    sign_in(client, "supervisor")
    codes = enrol(client, supervisor)
    client.post(reverse("logout"))
    seen = records(monkeypatch)
    sign_in(client, "supervisor")
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert "You signed in with a recovery code; 9 are left." in response.content.decode()
    assert StaticToken.objects.filter(device__user=supervisor).count() == 9
    client.post(reverse("logout"))
    sign_in(client, "supervisor")
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        page = client.post(VERIFY, {"code": codes[0]}).content.decode()
    assert "That code is not right" in page
    assert ("two_factor.recovery_used", "supervisor") in seen


def test_new_recovery_codes_replace_the_old_ones(client, supervisor):
    sign_in(client, "supervisor")
    old = enrol(client, supervisor)
    response = client.post(reverse("two_factor:recovery_codes"))
    page = client.get(response["Location"]).content.decode()
    new = re.findall(r"<li>([a-z2-7]{8})</li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert StaticDevice.objects.filter(user=supervisor).count() == 1


def test_a_mediator_who_turned_it_on_is_asked_for_the_code(client, mediator):
    sign_in(client, "mediator")
    enrol(client, mediator)
    client.post(reverse("logout"))
    sign_in(client, "mediator")
    response = client.get(reverse("casework:case_list"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_the_code_page_never_sends_anyone_to_another_site(client, mediator):
    sign_in(client, "mediator")
    enrol(client, mediator)
    client.post(reverse("logout"))
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60), tick=False):
        sign_in(client, "mediator")
        device = TOTPDevice.objects.get(user=mediator)
        response = client.post(
            VERIFY, {"code": code_for(device), "next": "https://evil.example/phish"}
        )
    assert response["Location"] == reverse("casework:home")


# ----------------------------------------------------------------------------- reset


def test_an_administrator_resets_a_lost_phone_with_a_reason_and_it_is_recorded(
    client, admin_client, admin_user, supervisor, monkeypatch
):
    sign_in(client, "supervisor")
    enrol(client, supervisor)
    seen = records(monkeypatch)
    changelist = reverse("admin:auth_user_changelist")
    page = admin_client.post(
        changelist, {"action": "reset_two_factor", "_selected_action": [supervisor.pk]}
    ).content.decode()
    assert "Check first that the request really comes from them" in page
    assert TOTPDevice.objects.filter(user=supervisor).exists()  # asked, not done yet
    admin_client.post(
        changelist,
        {
            "action": "reset_two_factor",
            "_selected_action": [supervisor.pk],
            "reason": "",
        },
    )
    assert TOTPDevice.objects.filter(user=supervisor).exists()  # a reason is required
    admin_client.post(
        changelist,
        {
            "action": "reset_two_factor",
            "_selected_action": [supervisor.pk],
            "reason": "手机遗失，本人到街道核实身份（王主任）",
        },
    )
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert not StaticDevice.objects.filter(user=supervisor).exists()
    entry = LogEntry.objects.get(object_id=str(supervisor.pk))
    assert entry.user == admin_user and "手机遗失" in entry.get_change_message()
    assert ("two_factor.reset", "supervisor") in seen
    # The supervisor's own session is no longer verified: back to setting up.
    response = client.get(reverse("casework:home"))
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith(SETUP)


def test_staff_without_the_permission_cannot_reset(client, supervisor, db):
    UserFactory(username="clerk", is_staff=True)
    client.force_login(UserFactory._meta.model.objects.get(username="clerk"))
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [supervisor.pk], "reason": "x"},
    )
    assert response.status_code in (302, 403)
    assert not LogEntry.objects.exists()


def test_the_admin_says_who_has_two_factor_and_never_shows_a_secret(
    admin_client, supervisor, mediator
):
    from django.urls import NoReverseMatch

    device = TOTPDevice.objects.create(user=supervisor, name="authenticator", confirmed=True)
    page = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r'>(supervisor|mediator)</a>.*?<td class="field-two_factor">'
            r'<img src="[^"]*icon-(yes|no)',
            page,
            re.S,
        )
    }
    assert rows == {"supervisor": "yes", "mediator": "no"}
    assert device.key not in page
    # django-otp's own pages (add a device with a chosen key, read recovery codes): gone.
    for name in ("otp_totp_totpdevice_changelist", "otp_static_staticdevice_changelist"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:{name}")


# ------------------------------------------------------------------------ the setting


def test_with_enforcement_off_a_supervisor_gets_in_with_a_notice(client, supervisor, settings):
    settings.LINLI = {**settings.LINLI, "TWO_FACTOR_REQUIRED": False}
    sign_in(client, "supervisor")
    page = client.get(reverse("casework:home")).content.decode()
    assert "Two-factor sign-in is not enforced in this development setup" in page
    # Whoever turned it on is still asked for the code.
    enrol(client, supervisor)
    client.post(reverse("logout"))
    sign_in(client, "supervisor")
    assert client.get(reverse("casework:home"))["Location"].startswith(VERIFY)


def test_enforcement_is_on_by_default_in_production_and_warned_about_when_off():
    from tests.test_security import PRODUCTION, _manage

    shown = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.LINLI['TWO_FACTOR_REQUIRED'])",
        **PRODUCTION,
    )
    assert shown.stdout.strip().splitlines()[-1] == "True", shown.stderr
    result = _manage("check", "--deploy", **{**PRODUCTION, "LINLI_TWO_FACTOR_REQUIRED": "false"})
    assert "linli.W201" in result.stdout + result.stderr


def test_force_login_in_tests_stands_for_a_verified_sign_in(client, supervisor):
    client.force_login(supervisor)
    assert DEVICE_ID_SESSION_KEY in client.session
    assert client.get(reverse("casework:home")).status_code == 200


# ----------------------------------------------------------------------- in Chinese


@pytest.mark.parametrize("name", ["two_factor:setup", "two_factor:verify"])
def test_the_pages_speak_chinese(client, supervisor, name):
    sign_in(client, "supervisor")
    if name == "two_factor:verify":
        enrol(client, supervisor)
        client.post(reverse("logout"))
        sign_in(client, "supervisor")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse(name)).content.decode()
    assert '<html lang="zh-hans">' in page
    body = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1])
    assert "两步验证" in body or "验证码" in body
    for english in ("Set up", "Enter", "code", "phone", "Log out", "recovery"):
        assert english not in body, english
