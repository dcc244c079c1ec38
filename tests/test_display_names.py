"""The person-name rule's data: a display name per user (core.Profile), read first by
``person_name``, editable by the user and in the admin, filled by migration core.0006."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Profile
from core.names import close_name_scope, compose_name, open_name_scope, person_name
from core.profiles import set_display_name
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("晓燕", "张", "张晓燕"),
        ("国强", "欧阳", "欧阳国强"),
        ("Hongmei", "Chen", "Hongmei Chen"),
        ("  晓燕 ", " 张", "张晓燕"),
        ("", "张", "张"),
        ("", "", ""),
    ],
)
def test_compose_name_puts_han_family_names_first_without_a_space(given, family, expected):
    assert compose_name(given=given, family=family) == expected


def test_display_name_wins_over_first_and_last_name():
    user = UserFactory(first_name="晓燕", last_name="张")
    assert person_name(user) == "张晓燕"
    set_display_name(user=user, display_name="  张  小燕 ")
    user = type(user).objects.get(pk=user.pk)
    assert person_name(user) == "张 小燕"  # as written, spaces tidied
    set_display_name(user=user, display_name="")
    user = type(user).objects.get(pk=user.pk)
    assert person_name(user) == "张晓燕"


def test_inside_a_request_all_names_cost_one_query():
    users = [UserFactory(first_name="名", last_name=f"姓{i}") for i in range(6)]
    for i, u in enumerate(users):
        Profile.objects.create(user=u, display_name=f"王{i}号")
    fresh = list(type(users[0]).objects.filter(pk__in=[u.pk for u in users]).order_by("pk"))
    token = open_name_scope()
    try:
        with CaptureQueriesContext(connection) as queries:
            shown = [person_name(u) for u in fresh]
    finally:
        close_name_scope(token)
    assert shown == [f"王{i}号" for i in range(6)]
    assert len(queries) == 1


def test_saving_a_profile_inside_a_request_is_seen_at_once():
    user = UserFactory(first_name="晓燕", last_name="张")
    token = open_name_scope()
    try:
        assert person_name(user) == "张晓燕"
        set_display_name(user=type(user).objects.get(pk=user.pk), display_name="张主任")
        assert person_name(type(user).objects.get(pk=user.pk)) == "张主任"
    finally:
        close_name_scope(token)


def test_the_user_sets_their_own_display_name_on_the_profile_page(client):
    user = UserFactory(username="zhang", first_name="晓燕", last_name="张")
    client.force_login(user)
    page = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200
    assert "张晓燕" in text and 'placeholder="张晓燕"' in text
    answer = client.post("/accounts/profile/", {"display_name": "张晓燕（主任）"}, follow=True)
    assert Profile.objects.get(user=user).display_name == "张晓燕（主任）"
    assert "张晓燕（主任）" in answer.content.decode()
    too_long = client.post("/accounts/profile/", {"display_name": "张" * 101})
    assert too_long.status_code == 200  # the form says why; nothing saved
    assert Profile.objects.get(user=user).display_name == "张晓燕（主任）"


def test_the_admin_edits_the_display_name_with_the_account(admin_client):
    user = UserFactory(username="li", first_name="国强", last_name="李")
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "profile-0-display_name" in page.content.decode()


def test_the_migration_fills_display_names_in_chinese_order():
    migration = importlib.import_module("core.migrations.0006_profiles")
    han = UserFactory(first_name="晓燕", last_name="张")
    latin = UserFactory(first_name="Hongmei", last_name="Chen")
    nameless = UserFactory(first_name="", last_name="")
    kept = UserFactory(first_name="国强", last_name="李")
    Profile.objects.create(user=kept, display_name="李主任")
    migration.fill_display_names(global_apps, None)
    names = dict(Profile.objects.values_list("user_id", "display_name"))
    assert names[han.pk] == "张晓燕"
    assert names[latin.pk] == "Hongmei Chen"
    assert names[nameless.pk] == ""
    assert names[kept.pk] == "李主任"  # an existing display name is never overwritten
    assert person_name(nameless) == nameless.username


def test_the_case_list_costs_the_same_with_one_officer_or_many(client, world, supervisor):
    """Each officer's display name is read from the request's one memo query: the case list
    does not grow a query per person named on it."""
    from casework.models import Status
    from casework.roles import Role
    from tests.factories import MembershipFactory, make_case

    def officer(n):
        user = UserFactory(first_name=f"名{n}", last_name="王")
        MembershipFactory(user=user, organisation=world.committee_a, role=Role.MEDIATOR)
        set_display_name(user=user, display_name=f"王名{n}")
        return user

    def add_case(n):
        make_case(
            Status.IN_PROGRESS,
            place=world.building_a,
            organisation=world.committee_a,
            assigned_officer=officer(n),
        )

    client.force_login(supervisor)
    add_case(0)
    client.get("/cases/")  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        page = client.get("/cases/")
    assert "王名0" in page.content.decode()
    for n in range(1, 6):
        add_case(n)
    client.get("/cases/")  # the filter's cached choices (officers) are rebuilt once
    with CaptureQueriesContext(connection) as six:
        page = client.get("/cases/")
    assert all(f"王名{n}" in page.content.decode() for n in range(6))
    assert len(six) == len(one)


def test_lists_are_joined_as_the_readers_language_joins_them():
    """、 between names in Chinese, a comma in English (core.names.list_separator), escaped."""
    from django.template import Context, Template
    from django.utils import translation

    template = Template('{% load linli %}{{ people|listjoin:"name" }}|{{ refs|listjoin }}')
    context = Context({"people": [{"name": "刘美华"}, {"name": "孙<志>刚"}], "refs": ["A", "B"]})
    with translation.override("zh-hans"):
        assert template.render(context) == "刘美华、孙&lt;志&gt;刚|A、B"
    with translation.override("en"):
        assert template.render(context) == "刘美华, 孙&lt;志&gt;刚|A, B"
