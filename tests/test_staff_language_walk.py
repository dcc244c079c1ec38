"""The staff pages in zh-hans, walked as each staff persona (mediator, supervisor, agency
officer, property manager) over every URL of the project (tests/urlwalk.py) with the
records of a busy area (tests/test_outsider_walk.py's, plus a case in every state):
no Latin word but the allow-list's proper nouns and units, and no Chinese name in Western
order ("晓燕 张") — on pages, in PDFs, in CSV and XLSX exports. Each failure names the page
and the words."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from casework.models import Case, Party, Referral, Status
from tests.factories import make_case
from tests.staff_text import html_text, latin_words, pdf_text, western_order_names, xlsx_text
from tests.test_outsider_walk import area_a  # noqa: F401 — the busy area, as a fixture
from tests.urlwalk import PUBLIC, routes

pytestmark = pytest.mark.django_db

CHINESE_NAMES = [
    ("晓燕", "张"),
    ("国强", "李"),
    ("建华", "王"),
    ("丽", "赵"),
    ("伟", "刘"),
    ("敏", "陈"),
    ("静", "杨"),
    ("磊", "黄"),
]
# Not staff pages, or not pages (API, the language switch, log-out, the admin's).
SKIPPED = {"logout", "set_language", "metrics", "healthz", "readyz"}


def _name_people_in_chinese():
    people = get_user_model().objects.order_by("pk")
    for n, user in enumerate(people.filter(first_name__regex=r"[A-Za-z]")):
        user.first_name, user.last_name = CHINESE_NAMES[n % len(CHINESE_NAMES)]
        user.save(update_fields=["first_name", "last_name"])


@pytest.fixture
def chinese_staff(mediator, supervisor, agency_officer, property_manager):
    """The personas named in Chinese before the area's documents are made and archived."""
    for n, user in enumerate((mediator, supervisor, agency_officer, property_manager)):
        user.first_name, user.last_name = CHINESE_NAMES[n]
        user.save(update_fields=["first_name", "last_name"])


@pytest.fixture
def busy_area(chinese_staff, area_a, world, mediator):  # noqa: F811
    """Area A with a case in every state, every person and party named in Chinese (as the
    street's are), and descriptions in Chinese: what is left in Latin letters is ours."""
    for state in Status.values:
        make_case(
            state,
            place=world.building_a,
            organisation=world.committee_a,
            assigned_officer=mediator,
        )
    # What people typed is theirs, in their language: the factories' English goes.
    Case.objects.update(description="3号楼旁夜间打桩至23点，影响休息。")
    Case.objects.exclude(resolution_summary="").update(resolution_summary="已协调停工。")
    Case.objects.exclude(status_reason="").update(status_reason="不属于受理范围。")
    Referral.objects.update(instructions="22点后停止打桩，并告知处理情况。")
    for n, party in enumerate(Party.objects.order_by("pk")):
        party.name = f"{'王李张刘陈'[n % 5]}秀兰{n}"
        party.save(update_fields=["name"])
    _name_people_in_chinese()
    return area_a


def _read(response) -> tuple[str, str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        return "pdf", pdf_text(body)
    if "spreadsheetml" in kind:
        return "xlsx", xlsx_text(body)
    if "csv" in kind:
        return "csv", body.decode("utf-8-sig")
    if "html" in kind:
        return "html", html_text(body.decode())
    return kind, ""


@pytest.mark.parametrize(
    "persona", ["mediator", "supervisor", "agency_officer", "property_manager"]
)
def test_staff_pages_speak_chinese_and_write_names_family_name_first(
    client, busy_area, persona, request
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    case_pages = [f"/cases/{pk}/" for pk in Case.objects.values_list("pk", flat=True)]
    paths = [
        (route.name, route.path(busy_area))
        for route in routes()
        if route.name not in PUBLIC
        and route.name not in SKIPPED
        and not route.name.startswith(("api:", "open311"))
    ] + [("casework:case_detail", p) for p in case_pages]
    english, western, dashes, seen = [], [], [], 0
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    for name, path in paths:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200:
            continue
        kind, text = _read(response)
        if not text:
            continue
        seen += 1
        if kind == "html" and ">---------<" in response.content.decode():
            dashes.append(f"{name} {path}")  # an empty choice says 请选择
        if words := latin_words(text) - usernames:  # the account name is as registered
            english.append(f"{name} {path} ({kind}): {', '.join(sorted(words))}")
        if names := western_order_names(text):
            western.append(f"{name} {path} ({kind}): {', '.join(names)}")
    assert seen >= 10, seen  # the walk reached the persona's pages
    assert not english, "Latin words on zh-hans staff pages:\n" + "\n".join(english)
    assert not western, "Chinese names in Western order:\n" + "\n".join(western)
    assert not dashes, "A row of dashes as an empty choice:\n" + "\n".join(dashes)


def test_mails_write_chinese_names_family_name_first(busy_area, mediator, supervisor, settings):
    """The mails of a busy day (chases and 督办 from the deadline sweep, the daily digest)
    carry no "名 姓"."""
    from django.core import mail
    from django.core.management import call_command

    from casework.notifications import send_waiting_digests

    call_command("sla_sweep", verbosity=0)
    send_waiting_digests()
    texts = [
        f"{m.subject}\n{m.body}\n" + "\n".join(str(a[0]) for a in getattr(m, "alternatives", []))
        for m in mail.outbox
    ]
    assert not [n for t in texts for n in western_order_names(t)]
    assert not western_order_names("\n".join(texts))


@pytest.mark.parametrize(
    ("text", "western"),
    [
        ("已指派给晓燕 张。", ["晓燕 张"]),
        ("批准人：国强 李\n", ["国强 李"]),
        ("主持人：欧阳国强", []),
        ("张晓燕 · 番禺居委会", []),
        ("3号楼 王秀兰", []),
        ("第 1 页 / 共 2 页", []),
    ],
)
def test_the_name_order_check_finds_given_name_space_family_name(text, western):
    assert western_order_names(text) == western


def test_the_word_check_passes_references_paths_and_files_but_not_words():
    text = "LL-2026-0001 M2026-0012 /reports/my-exports/ p.png PDF/A SHA-256 导出 Sheet Created"
    assert latin_words(text) == {"Sheet", "Created"}
    assert (
        latin_words(html_text('<p>下载 <code>e3b0c442</code><span translate="no">KCLZ</span></p>'))
        == set()
    )
