"""Personas reused everywhere (healthchecks-style): one small street with two areas.

- mediator, colleague: mediators of area A's residents' committee
- supervisor, archivist: the street office (whole street)
- agency_officer: the police station; property_manager: estate A1's property company
- outsider: a mediator of area B's residents' committee
"""

from dataclasses import dataclass

import pytest

from casework.models import OrgKind, Place, PlaceKind
from casework.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, PlaceFactory, UserFactory


@dataclass
class World:
    street: Place
    area_a: Place
    area_b: Place
    estate_a: Place
    building_a: Place
    estate_b: Place
    committee_a: object
    committee_b: object
    street_office: object
    police: object
    property_company: object


@pytest.fixture(autouse=True, scope="session")
def _flush_past_append_only_triggers():
    """A transactional test empties every table when it ends; on SQLite that is a DELETE,
    which the append-only triggers refuse. Only the test runner's flush lifts them, for its
    own statements, and puts them back (PostgreSQL flushes with TRUNCATE, which row
    triggers do not see)."""
    from django.db.backends.sqlite3 import base  # before operations: it imports base
    from django.db.backends.sqlite3.operations import DatabaseOperations

    assert base.DatabaseWrapper.ops_class is DatabaseOperations

    from core import append_only

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        guarded = {t: p for t, p in append_only.GUARDED.items() if t in tables}
        drops = [
            f"DROP TRIGGER IF EXISTS {name}"
            for table in guarded
            for name in append_only.sqlite_trigger_names(table)
        ]
        creates = [
            sql
            for table, prunable in guarded.items()
            for sql in append_only.sqlite_install_statements(table, prunable=prunable)
        ]
        return [*drops, *statements, *creates]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    """The test SMS backend's outbox (core.sms.MemoryBackend) is a module list: every test
    starts with none, as Django empties mail.outbox (references repeat across tests)."""
    from core import sms

    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(settings):
    """Set a door's rate for one test: ``rates(lookup_reference="3/15m")``."""

    def set_rates(**doors):
        settings.LINLI = {
            **settings.LINLI,
            "THROTTLES": {**settings.LINLI["THROTTLES"], **doors},
        }

    return set_rates


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch):
    """``client.force_login(user)`` stands for a whole sign-in: for a user who must use
    two-factor (supervisors, superusers, staff) that includes the code, so the session is
    marked verified with a confirmed authenticator of theirs. Two-factor itself is tested
    through the real login, set-up and code pages (tests/test_two_factor.py)."""
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.otp import two_factor_required

    force_login = ClientMixin.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        fresh = type(user).objects.get(pk=user.pk)  # no grants cached on the test's object
        if two_factor_required(fresh):
            device = TOTPDevice.objects.filter(user=fresh, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=fresh, name="test", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login_verified)


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request in Chinese leaves zh-hans active in the thread; start each test in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


# A browser that states no language gets Chinese (LANGUAGE_CODE = "zh-hans"). The test
# clients state English, so that assertions can read the English source strings; tests of
# the default language (tests/test_language.py) build a client without the header.
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def client():
    from django.test import Client

    return Client(**ENGLISH)


@pytest.fixture
def admin_client(db, admin_user):
    from django.test import Client

    client = Client(**ENGLISH)
    client.force_login(admin_user)
    return client


@pytest.fixture
def world(db) -> World:
    street = PlaceFactory(kind=PlaceKind.STREET, name="新华路街道")
    area_a = PlaceFactory(kind=PlaceKind.AREA, name="番禺居民区", parent=street)
    area_b = PlaceFactory(kind=PlaceKind.AREA, name="法华居民区", parent=street)
    estate_a = PlaceFactory(kind=PlaceKind.ESTATE, name="幸福小区", parent=area_a)
    building_a = PlaceFactory(kind=PlaceKind.BUILDING, name="3号楼", parent=estate_a)
    estate_b = PlaceFactory(kind=PlaceKind.ESTATE, name="和平小区", parent=area_b)
    return World(
        street=street,
        area_a=area_a,
        area_b=area_b,
        estate_a=estate_a,
        building_a=building_a,
        estate_b=estate_b,
        committee_a=OrganisationFactory(name="番禺居委会", places=[area_a]),
        committee_b=OrganisationFactory(name="法华居委会", places=[area_b]),
        street_office=OrganisationFactory(
            name="新华路街道办事处", kind=OrgKind.STREET_OFFICE, places=[street]
        ),
        police=OrganisationFactory(
            name="新华路派出所", kind=OrgKind.POLICE_STATION, places=[street]
        ),
        property_company=OrganisationFactory(
            name="幸福物业", kind=OrgKind.PROPERTY_COMPANY, places=[estate_a]
        ),
    )


def _member(username, organisation, role):
    user = UserFactory(username=username, first_name=username.title(), last_name="Demo")
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def mediator(world):
    return _member("mediator", world.committee_a, Role.MEDIATOR)


@pytest.fixture
def colleague(world):
    return _member("colleague", world.committee_a, Role.MEDIATOR)


@pytest.fixture
def supervisor(world):
    return _member("supervisor", world.street_office, Role.SUPERVISOR)


@pytest.fixture
def archivist(world):
    return _member("archivist", world.street_office, Role.ARCHIVIST)


@pytest.fixture
def agency_officer(world):
    return _member("agency", world.police, Role.AGENCY_OFFICER)


@pytest.fixture
def property_manager(world):
    return _member("property", world.property_company, Role.PROPERTY_MANAGER)


@pytest.fixture
def outsider(world):
    return _member("outsider", world.committee_b, Role.MEDIATOR)


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """A transactional test (and every live-server test) may start from tables an earlier
    one emptied: give it the rows the data migrations seed (categories, the calendar, the
    ballot rule sets) — the whole class of "Category matching query does not exist" that
    depends only on the order the tests ran in."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (len(marker.args) > 0 and marker.args[0])
    )
    if transactional or {"transactional_db", "live_server"} & set(request.fixturenames):
        from tests.reference_data import ensure_reference_data

        request.getfixturevalue("transactional_db")
        ensure_reference_data()
