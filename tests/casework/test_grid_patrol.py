"""Grid patrol (网格巡查): a grid worker logs a finding from a phone — photo, building (or
position), category, a line — as a case with the channel "grid patrol", sees the open
cases of their cells and nothing else; cells are a case-list filter and a dashboard
breakdown for supervisors."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import grid, tallies
from casework.models import Case, CaseAttachment, Category, Channel, Grid, PlaceKind, Status
from casework.roles import Role
from core.exceptions import ActionForbidden, TransitionRefused
from tests.casework.test_photo_metadata import assert_clean_and_upright, phone_photo
from tests.conftest import _member
from tests.factories import PlaceFactory, make_case

URL = "/grid/"


@pytest.fixture
def cells(world, settings, tmp_path):
    """Two cells: 幸福小区's 3号楼 (with a stairwell) in cell 1, a building of 和平小区 in
    cell 2; a grid worker for each."""
    settings.MEDIA_ROOT = tmp_path / "media"
    one, two = Grid.objects.create(name="第1网格"), Grid.objects.create(name="第2网格")
    building_a = world.building_a
    building_a.grid, building_a.latitude, building_a.longitude = (
        one,
        Decimal("31.205000"),
        Decimal("121.430000"),
    )
    building_a.building_head = "王秀英"
    building_a.save()
    stairwell = PlaceFactory(kind=PlaceKind.STAIRWELL, name="1单元", parent=building_a)
    building_b = PlaceFactory(kind=PlaceKind.BUILDING, name="5号楼", parent=world.estate_b)
    building_b.grid = two
    building_b.save()
    walker = _member("walker", world.committee_a, Role.GRID_WORKER)
    other = _member("otherwalker", world.committee_b, Role.GRID_WORKER)
    one.workers.add(walker)
    two.workers.add(other)
    return {
        "one": one,
        "two": two,
        "stairwell": stairwell,
        "building_b": building_b,
        "walker": walker,
        "other": other,
    }


def _case(state=Status.REGISTERED, **kwargs):
    """A factory case numbered apart from the intake service's references."""
    _case.n = getattr(_case, "n", 0) + 1
    return make_case(state, reference=f"2019-{_case.n:06d}", **kwargs)


def _category():
    return Category.objects.filter(active=True).order_by("pk").first()


def test_a_finding_becomes_a_grid_patrol_case_with_the_photo_stripped(world, cells):
    photo = SimpleUploadedFile("现场.jpg", phone_photo(), content_type="image/jpeg")
    case = grid.grid_finding_report(
        actor=cells["walker"],
        place=world.building_a,
        category=_category(),
        text="  3号楼门口电瓶车堵住消防通道  ",
        photo=photo,
    ).case
    case.refresh_from_db()
    assert case.channel == Channel.GRID_PATROL
    assert case.status == Status.REGISTERED
    assert case.organisation == world.committee_a  # the committee covering the building
    assert case.registered_by == cells["walker"]
    assert case.description == "3号楼门口电瓶车堵住消防通道"
    attachment = CaseAttachment.objects.get(case=case)
    assert attachment.uploaded_by == cells["walker"]
    assert_clean_and_upright(attachment.file.read())


def test_a_refused_photo_registers_nothing(world, cells):
    bogus = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    with pytest.raises(TransitionRefused):
        grid.grid_finding_report(
            actor=cells["walker"],
            place=world.building_a,
            category=_category(),
            text="垃圾箱房满溢",
            photo=bogus,
        )
    assert not Case.objects.exists()


def test_a_grid_worker_cannot_log_outside_their_cells(world, cells, mediator):
    for actor, place in (
        (cells["walker"], cells["building_b"]),  # another cell's building
        (cells["walker"], world.estate_a),  # not a building
        (mediator, world.building_a),  # not a grid worker
    ):
        with pytest.raises(ActionForbidden):
            grid.grid_finding_report(actor=actor, place=place, category=_category(), text="x")
    assert not Case.objects.exists()


def test_the_patrol_page_logs_a_finding_by_building_and_lists_only_my_cells(client, world, cells):
    mine = _case(
        Status.IN_PROGRESS,
        place=cells["stairwell"],
        organisation=world.committee_a,
        description="1单元楼道灯坏了",
    )
    _case(
        Status.CLOSED, place=world.building_a, organisation=world.committee_a, description="已办结"
    )
    _case(place=cells["building_b"], organisation=world.committee_b, description="别人的格")
    client.force_login(cells["walker"])
    page = client.get(URL).content.decode()
    assert mine.reference in page and "1单元楼道灯坏了" not in page  # a list, not the file
    assert "已办结" not in page
    others = Case.objects.get(description="别人的格")
    assert others.reference not in page
    response = client.post(
        URL,
        {
            "place": world.building_a.pk,
            "category": _category().pk,
            "text": "路灯不亮",
            "photo": SimpleUploadedFile("a.jpg", phone_photo(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302
    logged = Case.objects.get(description="路灯不亮")
    assert logged.channel == Channel.GRID_PATROL and logged.attachments.count() == 1
    assert logged.reference in client.get(URL).content.decode()


def test_the_patrol_page_places_a_finding_by_the_phones_position(client, world, cells):
    client.force_login(cells["walker"])
    near = {"latitude": "31.205010", "longitude": "121.430020"}
    response = client.post(URL, {"category": _category().pk, "text": "井盖缺失", **near})
    assert response.status_code == 302
    assert Case.objects.get(description="井盖缺失").place == world.building_a
    far = {"latitude": "31.300000", "longitude": "121.500000"}
    response = client.post(URL, {"category": _category().pk, "text": "远处", **far})
    assert "choose the building" in response.content.decode()
    assert not Case.objects.filter(description="远处").exists()
    # Neither a building nor a position: told what to give, nothing registered.
    response = client.post(URL, {"category": _category().pk, "text": "无处"})
    assert "Choose the building" in response.content.decode()
    assert not Case.objects.filter(description="无处").exists()


def test_the_patrol_page_is_for_grid_workers_only_and_hides_their_area(
    client, world, cells, mediator
):
    client.force_login(mediator)
    assert client.get(URL).status_code == 403
    # A grid worker sees no case list of the area and no case page outside the patrol list.
    secret = _case(place=world.building_a, organisation=world.committee_a)
    client.force_login(cells["other"])
    assert secret.reference not in client.get(URL).content.decode()
    listing = client.get(reverse("casework:case_list")).content.decode()
    assert secret.reference not in listing
    assert client.get(reverse("casework:case_detail", args=[secret.pk])).status_code in (
        403,
        404,
    )


def test_the_case_list_filters_by_grid_cell(client, world, cells, supervisor):
    in_cell = _case(place=cells["stairwell"], organisation=world.committee_a)
    outside = _case(place=world.estate_a, organisation=world.committee_a)
    client.force_login(supervisor)
    page = client.get(reverse("casework:case_list"), {"cell": cells["one"].pk}).content.decode()
    assert in_cell.reference in page and outside.reference not in page
    assert "第1网格" in page  # offered as a choice


def test_the_dashboard_breaks_open_cases_down_by_cell_in_one_query(
    client, world, cells, supervisor
):
    client.force_login(supervisor)
    _case(Status.IN_PROGRESS, place=cells["stairwell"], organisation=world.committee_a)
    client.get("/")  # warm the caches (sessions, calendar)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/").content.decode()
    few = len(few)  # read now: each request outside the context empties Django's query log
    for _ in range(5):
        _case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
        _case(place=cells["building_b"], organisation=world.committee_b)
    client.get("/")  # warm again: new rows move the cached 需要我处理 count on
    with CaptureQueriesContext(connection) as many:
        page = client.get("/").content.decode()
    assert len(many) == few
    assert grid.open_counts_by_cell(tallies.Scope()) == [
        (cells["one"].pk, "第1网格", 6),
        (cells["two"].pk, "第2网格", 5),
    ]
    assert f"?cell={cells['one'].pk}" in page and "第1网格" in page


def test_the_cell_counts_follow_a_building_redrawn_into_another_cell(world, cells):
    """The breakdown reads the summary table (``cell_open``): a stairwell's case counts in
    its building's cell, a closed case in none, and moving the building to another cell
    moves its open cases' counts — the table still equals a full recount."""
    stairwell_case = _case(
        Status.IN_PROGRESS, place=cells["stairwell"], organisation=world.committee_a
    )
    _case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    _case(Status.CLOSED, place=world.building_a, organisation=world.committee_a)
    _case(place=cells["building_b"], organisation=world.committee_b)
    assert grid.open_counts_by_cell(tallies.Scope()) == [
        (cells["one"].pk, "第1网格", 2),
        (cells["two"].pk, "第2网格", 1),
    ]
    building = world.building_a
    building.grid = cells["two"]
    building.save()
    assert grid.open_counts_by_cell(tallies.Scope()) == [(cells["two"].pk, "第2网格", 3)]
    assert tallies.stored() == tallies.recount()
    building.grid = None
    building.save()
    assert grid.open_counts_by_cell(tallies.Scope()) == [(cells["two"].pk, "第2网格", 1)]
    stairwell_case.delete()
    assert tallies.stored() == tallies.recount()


def test_a_stairwell_moved_under_a_building_of_another_cell_moves_its_open_cases(world, cells):
    _case(Status.IN_PROGRESS, place=cells["stairwell"], organisation=world.committee_a)
    assert grid.open_counts_by_cell(tallies.Scope()) == [(cells["one"].pk, "第1网格", 1)]
    stairwell = cells["stairwell"]
    stairwell.parent = cells["building_b"]
    stairwell.save()
    assert grid.open_counts_by_cell(tallies.Scope()) == [(cells["two"].pk, "第2网格", 1)]
    assert tallies.stored() == tallies.recount()  # (the case's estate moved with it too)
