"""A browser that states no language gets Chinese (LANGUAGE_CODE = "zh-hans"); one that
asks for English gets English. The shared test clients ask for English (tests/conftest.py),
so these build their own."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_case


@pytest.fixture
def browser_without_language():
    return Client()  # no Accept-Language header, no language cookie


def _page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_login_page_is_chinese_by_default(browser_without_language, db):
    response = browser_without_language.get(reverse("login"))
    page = _page(response)
    assert response["Content-Language"] == "zh-hans" and 'lang="zh-hans"' in page
    assert "登录" in page and "用户名" in page
    assert "Username" not in page


def test_a_staff_page_is_chinese_by_default(browser_without_language, world, mediator):
    make_case(place=world.building_a, organisation=world.committee_a)
    browser_without_language.force_login(mediator)
    response = browser_without_language.get(reverse("casework:case_list"))
    page = _page(response)
    assert response["Content-Language"] == "zh-hans" and 'lang="zh-hans"' in page
    assert "案件" in page and "已登记" in page
    assert "Registered" not in page


def test_the_residents_page_is_chinese_by_default(browser_without_language, world):
    response = browser_without_language.get(reverse("portal:submit"))
    page = _page(response)
    assert response["Content-Language"] == "zh-hans" and 'lang="zh-hans"' in page
    assert "个人信息" in page
    assert "Submit" not in page


def test_a_browser_that_asks_for_english_gets_english(world):
    english = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    page = _page(english.get(reverse("portal:submit")))
    assert 'lang="en"' in page and "Submit" in page


def test_the_api_answers_a_client_without_a_language_in_chinese(db):
    response = Client().get("/api/v1/cases/")  # no token
    assert response.status_code == 401 and response["Content-Language"] == "zh-hans"
    detail = response.json()["detail"]
    assert "credentials" not in detail and "认证" in detail, detail
