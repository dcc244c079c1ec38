"""No English on a zh-hans resident page: a walker opens every resident page in every
state a resident meets it (and in 长辈模式) and reads what a person sees or hears — the
text, and the attributes a screen reader speaks (aria-label, placeholder, title, alt,
button values) — for Latin-letter words outside a short allow-list of proper nouns."""

import re
import time
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from casework.phones import phone_key
from casework.portal_views import RECEIPT_KEY
from casework.resident_views import MINE_KEY, PENDING_KEY
from core import crypto
from tests.casework.resident_pages import cases_in_every_state, verify

# Proper nouns that are the same in Chinese text; "English" is the language switch's
# name for English, written in English as every language switch does.
ALLOWED = {"Linli", "English", "PDF", "JPEG", "PNG", "QR", "OK"}
# A status code (letters and digits, 10 or more) is a code, not a word.
CODE = re.compile(r"\b[A-Z0-9]{10,}\b")
SPOKEN_ATTRIBUTES = {"aria-label", "placeholder", "title", "alt"}
WORD = re.compile(r"[A-Za-z]{2,}")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Reader(HTMLParser):
    """What a person sees or hears on the page (not scripts, styles, nor what is hidden
    from everyone with aria-hidden, such as the honeypot field)."""

    def __init__(self):
        super().__init__()
        self.said: list[str] = []
        self._hidden: list[bool] = []  # one per open element: inside something hidden?

    @property
    def _skipping(self) -> bool:
        return bool(self._hidden and self._hidden[-1])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = self._skipping or tag in ("script", "style") or "aria-hidden" in attrs
        if not hidden:
            self.said.extend(v for k, v in attrs.items() if k in SPOKEN_ATTRIBUTES and v)
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.said.append(attrs["value"])
        if tag not in VOID:
            self._hidden.append(hidden)

    def handle_endtag(self, tag):
        if tag not in VOID and self._hidden:
            self._hidden.pop()

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.said.append(data.strip())


def english_words(html: str) -> list[str]:
    reader = _Reader()
    reader.feed(html)
    words = []
    for text in reader.said:
        words += [w for w in WORD.findall(CODE.sub("", text)) if w not in ALLOWED]
    return words


def _zh_client(senior: bool) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    if senior:
        client.cookies["linli_senior"] = "1"
    return client


@pytest.mark.parametrize("senior", [False, True], ids=["normal", "senior"])
def test_no_english_word_on_any_zh_hans_resident_page(world, mediator, supervisor, senior):
    pages = {}
    client = _zh_client(senior)
    for name in ("casework:home", "portal:submit", "portal:lookup", "portal:receipt"):
        pages[name] = client.get(reverse(name)).content.decode()
    pages["我的诉求: the number"] = client.get(reverse("portal:mine_phone")).content.decode()
    session = client.session
    session[RECEIPT_KEY] = {"reference": "2026-000001", "code": "ABCDEFGHJK23", "email": False}
    session[PENDING_KEY] = {
        "sealed": crypto.encrypt("13812345678"),
        "masked": "138****5678",
        "at": time.time(),
    }
    session.save()
    pages["receipt with its code"] = client.get(reverse("portal:receipt")).content.decode()
    pages["我的诉求: the code"] = client.get(reverse("portal:mine_code")).content.decode()
    residents = cases_in_every_state(world, mediator, supervisor)
    for state, resident in residents.items():
        verify(client, resident.case)
        response = client.get(reverse("portal:status"))
        assert response.status_code == 200
        pages[f"status: {state}"] = response.content.decode()
    # 我的诉求 listing cases in every state (all filed with the same number).
    phone = resident.case.parties.first().phone
    session = client.session
    session[MINE_KEY] = {"key": phone_key(phone), "at": time.time()}
    session.save()
    mine = client.get(reverse("portal:mine"))
    assert mine.status_code == 200 and resident.case.reference in mine.content.decode()
    pages["我的诉求"] = mine.content.decode()
    found = {name: english_words(html) for name, html in pages.items()}
    assert {name: words for name, words in found.items() if words} == {}


def test_the_walker_finds_english_when_there_is_some():
    assert english_words(
        '<p>您的诉求 <b>Received</b></p><button aria-label="Close">×</button>'
    ) == [
        "Received",
        "Close",
    ]
    assert english_words("<p>拨打12345热线 · Linli 邻里</p><script>var x;</script>") == []
