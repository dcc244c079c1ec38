"""Security hardening: headers, the deploy check, DEBUG's guard, login throttling, password
reset, session rotation and idle expiry, the request size limit."""

import base64
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from core.security import LAST_SEEN

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "LINLI_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "LINLI_PII_KEYS": "k1:" + base64.b64encode(os.urandom(16)).decode(),
    "LINLI_PII_HASH_KEY": base64.b64encode(os.urandom(32)).decode(),
    "ALLOWED_HOSTS": "linli.example.gov.cn",
    "DATABASE_URL": "postgres://linli@127.0.0.1:5432/linli",
    "CACHE_URL": "rediscache://127.0.0.1:6379/1",
    # Text messages need their provider in production (linli.W102 otherwise).
    "LINLI_SMS_HTTP_URL": "https://sms.example.gov.cn/send",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
}


def _manage(*args, **env):
    drop = {"LINLI_ENV", "DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    from core import pki

    # #24: production names its signing key, timestamp authority and trust roots (a
    # development PKI stands in; the check reads the key, it contacts no TSA).
    keys = pki.make(tmp_path / "pki")
    signing = {
        "LINLI_SIGNING_P12": str(keys / pki.OFFICE_P12),
        "LINLI_SIGNING_PASSPHRASE": (keys / pki.PASSPHRASE).read_text().strip(),
        "LINLI_TSA_URL": "http://tsa.invalid/",
        "LINLI_TRUST_ROOTS": str(keys / pki.CA_CERT),
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **signing)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_production_has_no_signing_key():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode != 0 and "linli.W240" in result.stdout + result.stderr


def test_debug_cannot_be_on_with_a_production_host():
    result = _manage("check", **{**PRODUCTION, "LINLI_ENV": "dev", "DEBUG": "true"})
    assert result.returncode != 0 and "DEBUG cannot be on" in result.stderr
    result = _manage("check", **{**PRODUCTION, "DEBUG": "true"})
    assert result.returncode != 0 and "DEBUG cannot be on" in result.stderr


@pytest.mark.parametrize("url", ["/r/", "/accounts/login/", "/cases/"])
def test_security_headers_on_public_and_staff_pages(client, mediator, url):
    client.force_login(mediator)
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_inline_script_or_style():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in ("<script>", "<script ", "<style", " style=", "onclick=", "onload="):
            if tag == "<script " and "<script " in text:
                assert all(
                    'src="' in chunk.split(">")[0] for chunk in text.split("<script ")[1:]
                ), path
                continue
            assert tag not in text, (path, tag)


def _login(client, username, password):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7"
    )


def _limit(settings, door):
    return int(settings.LINLI["THROTTLES"][door].split("/")[0])


def test_login_locks_an_account_from_one_address_after_repeated_failures(
    client, mediator, settings
):
    for _ in range(_limit(settings, "login_pair")):
        response = _login(client, "mediator", "wrong")
        assert response.status_code == 200  # the form again, with the usual error
    response = _login(client, "mediator", "correct horse battery staple")
    assert response.status_code == 429  # the right password is refused while locked
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # An unknown account is answered the same way.
    for _ in range(_limit(settings, "login_pair")):
        _login(client, "nobody-here", "wrong")
    locked = _login(client, "nobody-here", "x")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()


def test_login_locks_an_address_trying_many_accounts(client, mediator, settings):
    for i in range(_limit(settings, "login_address")):
        _login(client, f"guess{i}", "wrong")
    response = _login(client, "mediator", "correct horse battery staple")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    # Another address can still sign in.
    response = client.post(
        reverse("login"),
        {"username": "mediator", "password": "correct horse battery staple"},
        REMOTE_ADDR="10.0.0.8",
    )
    assert response.status_code == 302


def test_login_rotates_the_session(client, mediator):
    client.get(reverse("portal:lookup"))
    client.session.save()
    before = client.session.session_key
    _login(client, "mediator", "correct horse battery staple")
    assert client.session.session_key != before
    assert int(client.session["_auth_user_id"]) == mediator.pk


def test_idle_sessions_end(client, mediator, settings):
    _login(client, "mediator", "correct horse battery staple")
    assert client.get("/cases/").status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_password_reset_answers_the_same_for_any_address(
    client, mediator, django_capture_on_commit_callbacks
):
    # The mail goes through the job outbox, sent after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("password_reset"), {"email": mediator.email}, follow=True)
        unknown = client.post(
            reverse("password_reset"), {"email": "nobody@example.org"}, follow=True
        )
    assert (
        known.redirect_chain == unknown.redirect_chain == [("/accounts/password-reset/sent/", 302)]
    )
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub(b"", known.content) == strip.sub(b"", unknown.content)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [mediator.email]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_requests_larger_than_any_form_accepts_are_refused(client, settings):
    response = client.post(
        "/r/",
        data=b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(settings.LINLI["MAX_REQUEST_BYTES"] + 1),
    )
    assert response.status_code == 413
    assert b"too large" in response.content
