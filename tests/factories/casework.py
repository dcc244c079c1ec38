"""factory-boy factories for casework, with a trait per case state."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from casework.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    Flat,
    Membership,
    Organisation,
    OrgKind,
    Outcome,
    Party,
    PartyRole,
    Place,
    PlaceKind,
    Referral,
    ReferralKind,
    ReferralRole,
    ReferralStatus,
    Status,
)
from casework.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    kind = PlaceKind.STREET
    name = factory.Sequence(lambda n: f"Place {n}")
    parent = None


class FlatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flat

    place = factory.SubFactory(PlaceFactory, kind=PlaceKind.BUILDING)
    number = factory.Sequence(lambda n: f"{100 + n}")
    floor = 1
    area_m2 = "72.50"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrgKind.RESIDENTS_COMMITTEE

    @factory.post_generation
    def places(self, create, extracted, **kwargs):
        if create and extracted:
            self.places.set(extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.MEDIATOR


def category(code: str = "construction_noise") -> Category:
    """Categories are seeded by a data migration; tests use the real ones."""
    return Category.objects.get(code=code)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case in any state. Only factories may build a case in a given state directly."""

    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"2026-{n + 1:06d}")
    organisation = factory.SubFactory(OrganisationFactory)
    channel = Channel.WALK_IN
    category = factory.LazyFunction(category)
    place = factory.SubFactory(PlaceFactory)
    description = "Night-time piling next to building 3 until 23:00."
    status = Status.REGISTERED

    class Params:
        accepted = factory.Trait(
            status=Status.ACCEPTED, accepted_at=factory.LazyFunction(timezone.now)
        )
        in_progress = factory.Trait(status=Status.IN_PROGRESS)
        waiting = factory.Trait(
            status=Status.WAITING, waiting_since=factory.LazyFunction(timezone.now)
        )
        resolved = factory.Trait(
            status=Status.RESOLVED, outcome=Outcome.RESOLVED, resolution_summary="Done."
        )
        closed = factory.Trait(
            status=Status.CLOSED, outcome=Outcome.RESOLVED, resolution_summary="Done."
        )
        reopened = factory.Trait(status=Status.REOPENED)
        archived = factory.Trait(
            status=Status.ARCHIVED, outcome=Outcome.RESOLVED, resolution_summary="Done."
        )
        rejected = factory.Trait(status=Status.REJECTED, status_reason="Out of scope.")
        withdrawn = factory.Trait(status=Status.WITHDRAWN, outcome=Outcome.WITHDRAWN)


def make_case(state: str = Status.REGISTERED, **kwargs) -> Case:
    """A case in ``state`` (merged cases get a target case)."""
    if state == Status.MERGED:
        target = CaseFactory(place=kwargs["place"], organisation=kwargs["organisation"])
        return CaseFactory(
            status=Status.MERGED, merged_into=target, outcome=Outcome.DUPLICATE, **kwargs
        )
    traits = {state: True} if state != Status.REGISTERED else {}
    return CaseFactory(**traits, **kwargs)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    case = factory.SubFactory(CaseFactory)
    role = PartyRole.APPLICANT
    name = factory.Sequence(lambda n: f"Resident {n}")
    phone = "13812341234"


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    kind = EventKind.NOTE
    note = "Called the site manager."


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral in any state (only factories set a state directly)."""

    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory, status=Status.WAITING)
    organisation = factory.SubFactory(OrganisationFactory, kind=OrgKind.POLICE_STATION)
    role = ReferralRole.LEAD
    kind = ReferralKind.COMPLAINT
    instructions = "Stop the piling after 22:00 and tell us what was done."
    status = ReferralStatus.DISPATCHED
    dispatched_by = factory.SubFactory(UserFactory)
    sign_due = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))
    reply_due = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
