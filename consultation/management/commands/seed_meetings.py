"""Demo meetings on the demo street's cases (run after ``seed_demo``; idempotent).

An elevator-retrofit hearing held with archived minutes, a coordination meeting with its
notice published, and an evaluation meeting held with rating sheets — each through the
real services, so the demo shows exactly what the pages would produce.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from casework.models import OPEN_STATUSES, Case, Flat, Organisation, Place, PlaceKind
from consultation import selectors, services
from consultation.models import BallotRuleSet, Meeting, MeetingKind, Owner, OwnerKind, Ownership
from consultation.services import ballots as ballot_services

PEOPLE = [
    ("resident", "王秀英", "3号楼101室"),
    ("resident", "陈建国", "3号楼602室"),
    ("delegate", "刘美华", "居民代表"),
    ("property_company", "赵德华", "幸福小区物业服务中心"),
    ("owners_committee", "孙志刚", "幸福小区业主委员会"),
    ("agency", "周海涛", "新华路街道房管办"),
]


class Command(BaseCommand):
    help = "Load demo meetings (hearing with archived minutes, coordination, evaluation)."

    @transaction.atomic
    def handle(self, *args, **options):
        if Meeting.objects.exists():
            self.stdout.write("Demo meetings already present; nothing added.")
            return
        mediator = get_user_model().objects.filter(username="mediator").first()
        committee = Organisation.objects.filter(name="番禺居委会").first()
        if mediator is None or committee is None:
            self.stdout.write("Run seed_demo first; no demo meetings added.")
            return
        cases = list(
            Case.objects.filter(
                status__in=OPEN_STATUSES, place__path__startswith=committee.places.first().path
            ).order_by("reference")[:3]
        )
        if len(cases) < 3:
            self.stdout.write("Not enough open demo cases; no demo meetings added.")
            return
        now = timezone.now()
        hearing = self._meeting(
            mediator,
            committee,
            MeetingKind.HEARING,
            "3号楼加装电梯方案听证会",
            [cases[0]],
            now - dt.timedelta(days=3),
        )
        hearing = self._hold(hearing, mediator)
        minutes = services.minutes_draft(
            meeting=hearing, actor=mediator, summary="与会各方就井道位置和费用分摊充分发表意见。"
        )
        minutes = services.minutes_transition(minutes=minutes, name="circulate", actor=mediator)
        for attendee in hearing.invitees.filter(attended=True):
            services.signature_record(
                minutes=minutes, actor=mediator, invitee=attendee, refused=False
            )
        services.minutes_transition(minutes=minutes, name="approve", actor=mediator)

        coordination = self._meeting(
            mediator,
            committee,
            MeetingKind.COORDINATION,
            "夜间施工噪音协调会",
            [cases[1]],
            now + dt.timedelta(days=5),
        )
        services.meeting_transition(meeting=coordination, name="publish_notice", actor=mediator)

        evaluation = self._meeting(
            mediator,
            committee,
            MeetingKind.EVALUATION,
            "非机动车停放整治评议会",
            [cases[2]],
            now - dt.timedelta(days=1),
        )
        evaluation = services.meeting_transition(
            meeting=evaluation, name="publish_notice", actor=mediator
        )
        evaluation = services.meeting_transition(meeting=evaluation, name="hold", actor=mediator)
        criteria = [
            services.criterion_add(meeting=evaluation, actor=mediator, name=n)
            for n in ("处理结果", "工作态度", "办理效率")
        ]
        invitees = list(evaluation.invitees.all())
        services.attendance_mark(
            meeting=evaluation, actor=mediator, present_ids=[i.pk for i in invitees[:5]]
        )
        for n, invitee in enumerate(invitees[:5]):
            services.sheet_record(
                meeting=evaluation,
                actor=mediator,
                participant=invitee,
                returned=n < 4,
                scores={c.pk: 3 + (n + k) % 3 for k, c in enumerate(criteria)},
            )
        self._ballot(mediator, cases[0])
        self.stdout.write(
            "Created 3 demo meetings (one with archived minutes) and an elevator ballot."
        )

    def _ballot(self, mediator, case):
        """An elevator ballot for one stairwell of the hearing's building, mid-collection."""
        stairwell = (
            Place.objects.filter(kind=PlaceKind.STAIRWELL, path__startswith=case.place.path)
            .order_by("path")
            .first()
        )
        if stairwell is None:
            return
        self._owners(stairwell)
        campaign = ballot_services.ballot_create(
            actor=mediator,
            case=case,
            matter="elevator",
            title=f"{stairwell.full_name.split(' / ')[-2]}{stairwell.name}是否加装电梯",
            scope=stairwell,
            rule_set=BallotRuleSet.objects.get(code="civil-code-278-major", version=1),
            opens_on=timezone.localdate(),
            closes_on=timezone.localdate() + dt.timedelta(days=20),
        )
        for name in ("announce", "open"):
            campaign = ballot_services.ballot_transition(
                campaign=campaign, name=name, actor=mediator
            )
        entries = list(campaign.electorate.order_by("floor", "number"))
        for i, entry in enumerate(entries[: len(entries) * 3 // 4]):
            choice = "object" if entry.floor == 1 and i % 2 == 0 else "agree"
            ballot_services.ballot_record(
                campaign=campaign,
                actor=mediator,
                entry=entry,
                choice=choice,
                signer_kind="co_owner" if len(entry.owners) > 1 else "owner",
                signer_name=entry.owners[0] if entry.owners else "",
                objection_reason="担心采光和噪音" if choice == "object" else "",
            )
        ballot_services.cost_set(
            campaign=campaign,
            actor=mediator,
            total_yuan="680000.00",
            coefficients=selectors.default_coefficients([e.floor for e in entries]),
        )

    def _owners(self, stairwell):
        """The stairwell's owners as persons (from the names on its flats), one of them owning
        the two flats of the ground floor — counted once (法释〔2009〕7号 Art. 9)."""
        flats = list(
            Flat.objects.filter(place=stairwell)
            .prefetch_related("owners")
            .order_by("floor", "number")
        )
        for flat in flats:
            names = [o.name for o in flat.owners.all()] or [f"业主{flat.number}"]
            share = (Decimal(1) / len(names)).quantize(Decimal("0.0001"))
            for name in names:
                Ownership.objects.get_or_create(
                    owner=Owner.objects.create(kind=OwnerKind.PERSON, name=name),
                    flat=flat,
                    defaults={"share": share},
                )
        if len(flats) > 1:
            first = Ownership.objects.filter(flat=flats[0]).first()
            Ownership.objects.filter(flat=flats[1]).delete()
            Ownership.objects.create(owner=first.owner, flat=flats[1])

    def _meeting(self, mediator, committee, kind, topic, cases, starts_at):
        meeting = services.meeting_create(
            actor=mediator,
            kind=kind,
            topic=topic,
            cases=cases,
            convening_organisation=committee,
            chair="张晓燕",
            recorder="李国强",
            starts_at=starts_at,
            venue="番禺居委会二楼会议室",
        )
        for category, name, affiliation in PEOPLE:
            services.invitee_add(
                meeting=meeting,
                actor=mediator,
                category=category,
                name=name,
                affiliation=affiliation,
            )
        return meeting

    def _hold(self, meeting, mediator):
        meeting = services.meeting_transition(
            meeting=meeting, name="publish_notice", actor=mediator
        )
        meeting = services.meeting_transition(meeting=meeting, name="hold", actor=mediator)
        people = list(meeting.invitees.order_by("id"))
        services.attendance_mark(
            meeting=meeting, actor=mediator, present_ids=[p.pk for p in people[:-1]]
        )
        services.agenda_add(meeting=meeting, actor=mediator, title="加装电梯井道位置方案")
        services.agenda_add(meeting=meeting, actor=mediator, title="费用分摊系数")
        services.statement_add(
            meeting=meeting,
            actor=mediator,
            speaker=people[0],
            stance="oppose",
            text="一楼住户担心采光和噪音，希望井道向北移一米。",
        )
        services.statement_add(
            meeting=meeting,
            actor=mediator,
            speaker=people[1],
            stance="support",
            text="高层住户多为老人，上下楼困难，希望尽快开工。",
        )
        services.motion_add(
            meeting=meeting,
            actor=mediator,
            text="同意井道北移一米后的修改方案",
            votes_for=4,
            votes_against=1,
            abstentions=0,
        )
        services.decision_add(
            meeting=meeting, actor=mediator, text="设计单位两周内出具井道北移一米的修改方案。"
        )
        services.follow_up_add(
            meeting=meeting,
            actor=mediator,
            text="出具修改方案并张贴公示",
            organisation=meeting.convening_organisation,
            due_date=timezone.localdate() + dt.timedelta(days=14),
            case=meeting.cases.first(),
        )
        return services.meeting_transition(meeting=meeting, name="close", actor=mediator)
