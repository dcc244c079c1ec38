import pytest
from django.core.exceptions import ValidationError

from casework.models import Case, Place, PlaceKind
from casework.permissions import forget
from casework.selectors import cases_visible_to
from tests.factories import PlaceFactory, make_case


def test_a_subtree_query_finds_everything_below(world):
    stairwell = PlaceFactory(kind=PlaceKind.STAIRWELL, name="1单元", parent=world.building_a)
    below = set(Place.objects.filter(path__startswith=world.area_a.path))
    assert below == {world.area_a, world.estate_a, world.building_a, stairwell}
    assert stairwell.full_name == "新华路街道 / 番禺居民区 / 幸福小区 / 3号楼 / 1单元"
    inside = make_case(place=stairwell, organisation=world.committee_a)
    make_case(place=world.estate_b, organisation=world.committee_b)
    assert list(Case.objects.filter(world.area_a.subtree_q())) == [inside]
    assert stairwell.ancestor_paths == [
        world.street.path,
        world.area_a.path,
        world.estate_a.path,
        world.building_a.path,
        stairwell.path,
    ]


def test_moving_an_estate_moves_its_buildings_and_their_cases(world, mediator, outsider):
    case = make_case(place=world.building_a, organisation=world.committee_a)
    world.estate_a.parent = world.area_b
    world.estate_a.full_clean()
    world.estate_a.save()
    building = Place.objects.get(pk=world.building_a.pk)
    assert building.path.startswith(world.area_b.path)
    assert building.full_name == "新华路街道 / 法华居民区 / 幸福小区 / 3号楼"
    forget(mediator)
    forget(outsider)
    assert case not in cases_visible_to(mediator)
    assert Case.objects.get(pk=case.pk) in cases_visible_to(outsider)


def test_renaming_a_place_renames_the_full_names_below(world):
    world.area_a.name = "番禺路居民区"
    world.area_a.save()
    assert Place.objects.get(pk=world.building_a.pk).full_name.startswith(
        "新华路街道 / 番禺路居民区 / "
    )


def test_the_tree_keeps_its_kinds_in_order(world):
    wrong = Place(kind=PlaceKind.BUILDING, name="X", parent=world.area_a)
    with pytest.raises(ValidationError, match="must sit under"):
        wrong.full_clean()
    with pytest.raises(ValidationError, match="top of the tree"):
        Place(kind=PlaceKind.STREET, name="Y", parent=world.street).full_clean()


def test_a_place_cannot_move_under_its_own_descendant(world):
    area = Place.objects.get(pk=world.area_a.pk)
    area.parent = world.building_a
    with pytest.raises(ValidationError):
        area.full_clean()
