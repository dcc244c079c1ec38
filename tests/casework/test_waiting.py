"""What waits for a user ("需要我处理", casework.waiting): each kind is listed, and leaves
the list when it is handled; the navigation's count is one query; the daily digest."""

import datetime as dt
import re

from django.core import mail
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import services, waiting
from casework.models import (
    Case,
    Membership,
    PlaceKind,
    Rating,
    ReferralRole,
    ReferralStatus,
    Status,
)
from casework.notifications import send_waiting_digests
from casework.roles import Role
from tests.factories import MembershipFactory, PlaceFactory, ReferralFactory, make_case


def _case(world, mediator, state=Status.WAITING, **kwargs):
    return make_case(
        state,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        **kwargs,
    )


def _listed(client) -> str:
    return client.get(reverse("casework:waiting")).content.decode()


def test_each_kind_is_listed_and_leaves_the_list_when_handled(
    client, world, mediator, supervisor, agency_officer
):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    replied = ReferralFactory(
        case=_case(world, mediator),
        organisation=world.police,
        role=ReferralRole.LEAD,
        status=ReferralStatus.REPLIED,
        reply="已处理",
    )
    extension = ReferralFactory(
        case=_case(world, mediator),
        organisation=world.police,
        status=ReferralStatus.EXTENSION_REQUESTED,
        extension_days=3,
    )
    back = ReferralFactory(
        case=_case(world, mediator),
        organisation=world.police,
        status=ReferralStatus.RETURN_REQUESTED,
    )
    resolved = _case(world, mediator, Status.RESOLVED)
    Rating.objects.create(
        case=resolved,
        efficiency=2,
        attitude=2,
        result=1,
        satisfied=False,
        reopen_requested=True,
        reopen_reason="噪音还在",
    )
    contact = _case(world, mediator, Status.ACCEPTED, first_contact_due=yesterday)
    client.force_login(mediator)
    page = _listed(client)
    for code in ("reply_to_confirm", "return_request", "reopen_request", "first_contact_due"):
        assert f'id="waiting-{code}"' in page, code
    # Only a supervisor decides an extension: it waits for them, not for the officer.
    assert 'id="waiting-extension_request"' not in page
    assert contact.reference in page and "overdue" in page
    assert waiting.count_for(mediator) == 4
    client.force_login(supervisor)
    assert 'id="waiting-extension_request"' in _listed(client)
    assert waiting.counts_for(supervisor)["extension_request"] == 1
    client.force_login(mediator)

    services.referral_transition(referral=replied, name="accept_reply", actor=mediator)
    services.referral_transition(referral=extension, name="approve_extension", actor=supervisor)
    services.referral_transition(referral=back, name="approve_return", actor=mediator)
    services.case_transition(case=resolved, name="reopen", actor=mediator, reason="再处理")
    services.case_transition(case=contact, name="start_work", actor=mediator)
    page = _listed(client)
    assert "waiting-" not in page and "Nothing is waiting for you." in page
    assert waiting.count_for(mediator) == 0
    assert waiting.counts_for(supervisor)["extension_request"] == 0


def test_the_agency_sees_what_to_sign_for_reply_to_and_what_is_supervised(
    client, world, mediator, agency_officer
):
    to_sign = ReferralFactory(case=_case(world, mediator), organisation=world.police)
    ReferralFactory(
        case=_case(world, mediator),
        organisation=world.police,
        status=ReferralStatus.SIGNED_FOR,
        under_supervision=True,
    )
    client.force_login(agency_officer)
    page = _listed(client)
    assert 'id="waiting-to_sign_for"' in page and 'id="waiting-to_reply"' in page
    assert 'id="waiting-supervised"' in page
    assert waiting.counts_for(agency_officer)["to_sign_for"] == 1
    services.referral_transition(referral=to_sign, name="sign_for", actor=agency_officer)
    counts = waiting.counts_for(agency_officer)
    assert (counts["to_sign_for"], counts["to_reply"], counts["supervised"]) == (0, 2, 1)
    # The mediator's list has none of the agency's work.
    assert waiting.count_for(mediator) == 0


def test_the_count_is_one_query_however_much_waits(world, mediator):
    for _ in range(3):
        ReferralFactory(
            case=_case(world, mediator), organisation=world.police, status=ReferralStatus.REPLIED
        )
    waiting.count_for(mediator)  # warm the memberships' cache (permissions.grants)
    waiting.counts_changed()  # counted again below, not read from the cache
    with CaptureQueriesContext(connection) as few:
        assert waiting.count_for(mediator) == 3
    for _ in range(5):
        ReferralFactory(
            case=_case(world, mediator), organisation=world.police, status=ReferralStatus.REPLIED
        )
    with CaptureQueriesContext(connection) as more:
        assert waiting.count_for(mediator) == 8
    assert len(few.captured_queries) == len(more.captured_queries) == 1
    with CaptureQueriesContext(connection) as unchanged:
        assert waiting.count_for(mediator) == 8
    assert len(unchanged.captured_queries) == 0  # nothing changed: from the cache


def test_the_nav_shows_the_count(client, world, mediator):
    ReferralFactory(
        case=_case(world, mediator), organisation=world.police, status=ReferralStatus.REPLIED
    )
    client.force_login(mediator)
    page = client.get(reverse("casework:case_list")).content.decode()
    assert re.search(r'Waiting for me\s*<span class="count">1</span>', page)


def test_the_daily_digest_goes_to_those_who_asked_with_counts_and_no_names(
    world, mediator, colleague, django_capture_on_commit_callbacks
):
    ReferralFactory(
        case=_case(world, mediator), organisation=world.police, status=ReferralStatus.REPLIED
    )
    ReferralFactory(
        case=_case(world, colleague), organisation=world.police, status=ReferralStatus.REPLIED
    )
    mediator.email, colleague.email = "m@example.org", "c@example.org"
    mediator.save(), colleague.save()
    Membership.objects.filter(user=mediator).update(daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):  # mail leaves after commit
        assert send_waiting_digests() == 1
    (message,) = mail.outbox
    assert message.to == ["m@example.org"]
    assert "Replies to confirm: 1" in message.body and "待确认的反馈: 1" in message.body
    assert "/waiting/" in message.body
    assert "新华路派出所" not in message.body  # counts and a link, nothing from the case


def test_a_case_return_visit_due_waits_for_its_officer_until_it_is_made(client, world, mediator):
    resolved_at = timezone.now() - dt.timedelta(days=10)
    case = _case(world, mediator, Status.RESOLVED)
    Case.objects.filter(pk=case.pk).update(
        resolved_at=resolved_at, return_visit_due=timezone.localdate() - dt.timedelta(days=1)
    )
    client.force_login(mediator)
    page = _listed(client)
    assert 'id="waiting-case_return_visit"' in page and case.reference in page
    assert waiting.counts_for(mediator)["case_return_visit"] == 1
    services.case_return_visit_record(
        case=case,
        actor=mediator,
        manner="phone",
        reached=False,
        residents_words="",
    )
    assert waiting.counts_for(mediator)["case_return_visit"] == 0


def test_a_supervisor_of_one_area_who_mediates_in_another_is_not_sent_its_requests(
    world, mediator, colleague
):
    """Supervising area B and mediating in area A: B's extension and reopen requests wait
    for this user; A's wait for A's supervisors (the service refuses this user there), so
    they are not listed, except on the user's own cases."""

    MembershipFactory(user=mediator, organisation=world.committee_b, role=Role.SUPERVISOR)
    building_b = PlaceFactory(kind=PlaceKind.BUILDING, name="7号楼", parent=world.estate_b)

    def extension_on(place, organisation, officer):
        case = make_case(
            Status.WAITING, place=place, organisation=organisation, assigned_officer=officer
        )
        ReferralFactory(
            case=case,
            organisation=world.police,
            status=ReferralStatus.EXTENSION_REQUESTED,
            extension_days=3,
        )
        Rating.objects.create(
            case=make_case(
                Status.RESOLVED, place=place, organisation=organisation, assigned_officer=officer
            ),
            efficiency=1,
            attitude=1,
            result=1,
            satisfied=False,
            reopen_requested=True,
        )
        return case

    extension_on(world.building_a, world.committee_a, colleague)  # A: a colleague's case
    in_b = extension_on(building_b, world.committee_b, None)
    fresh = type(mediator).objects.get(pk=mediator.pk)
    counts = waiting.counts_for(fresh)
    assert counts["extension_request"] == 1
    assert counts["reopen_request"] == 1
    (group,) = [g for g in waiting.waiting_for(fresh) if g.code == "extension_request"]
    assert [item.title for item in group.items] == [in_b.reference]


def test_the_counts_sql_is_built_once_and_follows_a_new_grant(world, mediator, agency_officer):
    """The count's SQL (the user's places as id lists) is kept per user, day and version of
    places and memberships: built once, and a grant given later counts at once."""
    from django.core.cache import cache

    from casework import filter_forms
    from casework.models import OrgKind
    from tests.factories import OrganisationFactory

    housing = OrganisationFactory(name="房管办", kind=OrgKind.HOUSING_OFFICE, places=[world.area_a])
    ReferralFactory(case=_case(world, mediator), organisation=world.police)  # to sign for
    ReferralFactory(case=_case(world, mediator), organisation=housing)
    assert waiting.counts_for(agency_officer)["to_sign_for"] == 1
    today = timezone.localdate()
    key = waiting._count_key(agency_officer, today)
    assert cache.get(key) is not None
    version = filter_forms.version()
    MembershipFactory(user=agency_officer, organisation=housing, role=Role.AGENCY_OFFICER)
    assert filter_forms.version() > version
    assert waiting._count_key(agency_officer, today) != key
    fresh = type(agency_officer).objects.get(pk=agency_officer.pk)  # as the next request's
    assert waiting.counts_for(fresh)["to_sign_for"] == 2


def test_the_count_by_sub_selects_equals_each_kinds_list_for_every_area_shape(
    world, mediator, colleague, supervisor, agency_officer
):
    """The count's SQL keeps rows to the area by a sub-select of the user's places
    (selectors.area_by_subselect); the list by the id list. The same rows: for a mediator,
    a colleague in another estate, a supervisor, an agency, and a user whose grants are a
    supervisor's in one area and a mediator's in another."""
    from casework import selectors

    MembershipFactory(user=colleague, organisation=world.committee_b, role=Role.SUPERVISOR)
    building_b = PlaceFactory(kind=PlaceKind.BUILDING, name="9号楼", parent=world.estate_b)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for place, organisation, officer in (
        (world.building_a, world.committee_a, mediator),
        (world.building_a, world.committee_a, None),
        (building_b, world.committee_b, colleague),
    ):
        for status in (
            ReferralStatus.DISPATCHED,
            ReferralStatus.REPLIED,
            ReferralStatus.EXTENSION_REQUESTED,
        ):
            waiting_case = make_case(
                Status.WAITING, place=place, organisation=organisation, assigned_officer=officer
            )
            ReferralFactory(case=waiting_case, organisation=world.police, status=status)
        Rating.objects.create(
            case=make_case(
                Status.RESOLVED, place=place, organisation=organisation, assigned_officer=officer
            ),
            efficiency=1,
            attitude=1,
            result=1,
            satisfied=False,
            reopen_requested=True,
        )
        make_case(
            Status.ACCEPTED,
            place=place,
            organisation=organisation,
            assigned_officer=officer,
            first_contact_due=yesterday,
        )
    today = timezone.localdate()
    for user in (mediator, colleague, supervisor, agency_officer):
        fresh = type(user).objects.get(pk=user.pk)
        by_list = {kind.code: kind.rows(fresh, today).count() for kind in waiting.KINDS}
        assert sum(by_list.values()) > 0, user.username
        assert waiting.counts_for(fresh, today) == by_list, user.username
    with selectors.area_by_subselect():
        assert "casework_place" in str(selectors.cases_visible_to(mediator).query)
    assert "casework_place" not in str(selectors.cases_visible_to(mediator).query)


def test_every_table_a_kind_counts_moves_the_cached_counts_on(
    world, mediator, colleague, supervisor, agency_officer
):
    """The counts are cached until something they read changes: each kind declares the
    models it reads (``reads``), the place tree, organisations, memberships and users
    move the filter forms' version. Every table in every kind's SQL is one of those."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from casework import selectors
    from casework.models import Category, Grid, Organisation, Place

    tables = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    versioned = {Place, Category, Grid, Membership, Organisation, get_user_model()}
    versioned.add(Organisation.places.through)
    today = timezone.localdate()
    for user in (mediator, colleague, supervisor, agency_officer):
        fresh = type(user).objects.get(pk=user.pk)
        for kind in waiting.KINDS:
            try:
                with selectors.area_by_subselect():  # as the count builds it
                    sql = str(kind.rows(fresh, today).order_by().values("pk").query)
            except EmptyResultSet:  # an empty IN: the kind reads nothing for them
                continue
            read = {tables[t] for t in re.findall(r'"(\w+)"', sql) if t in tables}
            missing = read - set(kind.reads) - versioned
            assert not missing, (kind.code, missing)


def test_the_cached_count_follows_each_kind_of_change(world, mediator, supervisor, agency_officer):
    """A count served from the cache moves on with a save, and with a queryset update
    inside a service (which writes the case log too)."""
    replied = ReferralFactory(
        case=_case(world, mediator),
        organisation=world.police,
        role=ReferralRole.LEAD,
        status=ReferralStatus.REPLIED,
        reply="已处理",
    )
    assert waiting.counts_for(mediator)["reply_to_confirm"] == 1
    assert waiting.counts_for(mediator)["reply_to_confirm"] == 1  # from the cache
    services.referral_transition(referral=replied, name="accept_reply", actor=mediator)
    assert waiting.counts_for(mediator)["reply_to_confirm"] == 0
    # 督办 sets its flag by a queryset update (no signal); the service logs it too.
    open_referral = ReferralFactory(case=_case(world, mediator), organisation=world.police)
    assert waiting.counts_for(agency_officer)["supervised"] == 0
    services.referral_supervise(referral=open_referral, on=True, actor=supervisor)
    assert waiting.counts_for(agency_officer)["supervised"] == 1


def test_an_evicted_counts_version_is_never_one_used_before(world, mediator):
    """If the cache drops the counts' version, counting starts again under a new random
    one — not under a number an old count may still be kept under."""
    from django.core.cache import cache

    referral = ReferralFactory(
        case=_case(world, mediator), organisation=world.police, status=ReferralStatus.REPLIED
    )
    assert waiting.counts_for(mediator)["reply_to_confirm"] == 1
    before = cache.get(waiting.COUNTS_VERSION_KEY)
    cache.delete(waiting.COUNTS_VERSION_KEY)
    # A change that sends no signal (as if its bump had been lost with the key).
    type(referral).objects.filter(pk=referral.pk).update(status=ReferralStatus.CLOSED)
    assert waiting.counts_for(mediator)["reply_to_confirm"] == 0
    assert cache.get(waiting.COUNTS_VERSION_KEY) not in (None, 0, 1, before)
