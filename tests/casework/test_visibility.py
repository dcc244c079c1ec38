from casework import selectors
from casework.models import Status
from tests.factories import UserFactory, make_case


def _cases(world):
    in_a = make_case(place=world.building_a, organisation=world.committee_a)
    in_b = make_case(place=world.estate_b, organisation=world.committee_b)
    return in_a, in_b


def test_a_mediator_sees_only_their_areas_cases(world, mediator):
    in_a, _in_b = _cases(world)
    assert list(selectors.cases_visible_to(mediator)) == [in_a]


def test_a_mediator_of_another_area_cannot_see_them(world, outsider):
    _in_a, in_b = _cases(world)
    assert list(selectors.cases_visible_to(outsider)) == [in_b]


def test_a_street_supervisor_sees_the_whole_street(world, supervisor):
    in_a, in_b = _cases(world)
    assert set(selectors.cases_visible_to(supervisor)) == {in_a, in_b}


def test_agencies_and_property_managers_see_no_cases_here(world, agency_officer, property_manager):
    _cases(world)
    assert not selectors.cases_visible_to(agency_officer).exists()
    assert not selectors.cases_visible_to(property_manager).exists()


def test_a_user_without_membership_sees_nothing(world):
    _cases(world)
    assert not selectors.cases_visible_to(UserFactory()).exists()


def test_an_officer_who_left_the_area_loses_sight_of_its_cases(world, outsider):
    in_a = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=outsider,
    )
    assert in_a not in selectors.cases_visible_to(outsider)


def test_an_inactive_membership_grants_nothing(world, mediator):
    _in_a, _ = _cases(world)
    mediator.memberships.update(active=False)
    mediator.refresh_from_db()
    assert not selectors.cases_visible_to(mediator).exists()


def test_officers_for_a_case_are_those_covering_its_place(
    world, mediator, colleague, supervisor, outsider
):
    in_a, _ = _cases(world)
    assert set(selectors.officers_for(in_a)) == {mediator, colleague, supervisor}
