"""Demo meetings and ballots on the demo street's cases (run after ``seed_demo``;
idempotent), over the demo's months with the clock moved (``core.demo_clock``).

Meetings at every stage — two of past months held with their minutes filed, this week's
hearing with minutes approved, yesterday's evaluation meeting with rating sheets, one with
its notice out, one being planned, one postponed — and elevator ballots decided, collecting,
announced and in draft; each through the real services, every notice dated before its
meeting, so the demo shows exactly what the pages would produce.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from casework.models import OPEN_STATUSES, Case, Flat, Organisation, Place, PlaceKind
from consultation import selectors, services
from consultation.models import BallotRuleSet, Meeting, MeetingKind, Owner, OwnerKind, Ownership
from consultation.services import ballots as ballot_services
from core.demo_clock import DemoClock

PEOPLE = [
    ("resident", "王秀英", "3号楼101室"),
    ("resident", "陈建国", "3号楼602室"),
    ("delegate", "刘美华", "居民代表"),
    ("property_company", "赵德华", "幸福小区物业服务中心"),
    ("owners_committee", "孙志刚", "幸福小区业主委员会"),
    ("agency", "周海涛", "新华路街道房管办"),
]


class Command(BaseCommand):
    help = "Load demo meetings and ballots at every stage, over the demo's months."

    @transaction.atomic
    def handle(self, *args, **options):
        if Meeting.objects.exists():
            self.stdout.write("Demo meetings already present; nothing added.")
            return
        users = get_user_model().objects.in_bulk(["mediator", "archivist"], field_name="username")
        mediator, archivist = users.get("mediator"), users.get("archivist")
        committee = Organisation.objects.filter(name="番禺居委会").first()
        if mediator is None or archivist is None or committee is None:
            self.stdout.write("Run seed_demo first; no demo meetings added.")
            return
        area = committee.places.first()
        ours = Case.objects.filter(place__path__startswith=area.path).order_by("reference")
        cases = list(ours.filter(status__in=OPEN_STATUSES)[:6])
        if len(cases) < 6:
            self.stdout.write("Not enough open demo cases; no demo meetings added.")
            return
        clock = DemoClock(random.Random(2027))
        now = clock.real_now

        def older_case(days_ago):
            """A case of the area registered well before a meeting ``days_ago`` days back."""
            return (
                ours.filter(created_at__lt=now - dt.timedelta(days=days_ago + 10))
                .order_by("-created_at")
                .first()
            ) or cases[0]

        # Two meetings of the past months, held, their minutes approved and filed.
        for days_ago, kind, topic in (
            (320, MeetingKind.HEARING, "法华路沿街商铺油烟整治听证会"),
            (170, MeetingKind.COORDINATION, "番禺新村屋顶漏水维修资金使用协调会"),
        ):
            meeting = self._meeting(
                clock, mediator, committee, kind, topic, [older_case(days_ago)], days_ago
            )
            meeting = self._hold(clock, meeting, mediator)
            self._minutes(clock, meeting, mediator, archivist, file=True)

        # This week's hearing: held, minutes approved (the archivist has yet to file them).
        hearing = self._meeting(
            clock,
            mediator,
            committee,
            MeetingKind.HEARING,
            "3号楼加装电梯方案听证会",
            [cases[0]],
            3,
        )
        hearing = self._hold(clock, hearing, mediator)
        self._minutes(clock, hearing, mediator, archivist, file=False)

        # Yesterday's evaluation meeting: held, rating sheets in, not yet closed.
        evaluation = self._meeting(
            clock,
            mediator,
            committee,
            MeetingKind.EVALUATION,
            "非机动车停放整治评议会",
            [cases[2]],
            1,
        )
        with clock.at(evaluation.starts_at + dt.timedelta(minutes=5), office=False):
            evaluation = services.meeting_transition(
                meeting=evaluation, name="hold", actor=mediator
            )
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

        # Coming up: a coordination meeting with its notice out, a hearing still being
        # planned (no notice yet), and one postponed with its reason.
        self._meeting(
            clock,
            mediator,
            committee,
            MeetingKind.COORDINATION,
            "夜间施工噪音协调会",
            [cases[1]],
            -5,
        )
        self._meeting(
            clock,
            mediator,
            committee,
            MeetingKind.HEARING,
            "物业费调整方案听证会",
            [cases[3]],
            -12,
            publish=False,
        )
        postponed = self._meeting(
            clock,
            mediator,
            committee,
            MeetingKind.COORDINATION,
            "电瓶车充电桩选址协调会",
            [cases[4]],
            -3,
        )
        with clock.at(now - dt.timedelta(hours=20)):
            services.meeting_transition(
                meeting=postponed,
                name="postpone",
                actor=mediator,
                reason="供电公司未能到会，待确定时间后另行通知。",
            )
        ballots = self._ballots(clock, mediator, cases, area)
        self.stdout.write(
            f"Created {Meeting.objects.count()} demo meetings (two with minutes filed) and "
            f"{ballots} ballots at every stage."
        )

    def _ballots(self, clock, mediator, cases, area) -> int:
        """Elevator ballots in the stairwells of the open cases' buildings: one decided and
        published months ago, one collecting, one announced, one still a draft."""
        now = clock.real_now
        stages = (
            (cases[5], 150, "published"),
            (cases[0], 8, "collecting"),
            (cases[1], 2, "announced"),
            (cases[2], 1, "draft"),
        )
        made = 0
        used = set()
        for case, days_ago, stage in stages:
            # The case's own building first; when the cases open today share one building
            # (which ones are open moves with the date), another stairwell of the street —
            # so every stage is shown whatever day the demo is built.
            stairwells = Place.objects.filter(kind=PlaceKind.STAIRWELL).exclude(pk__in=used)
            stairwell = (
                stairwells.filter(path__startswith=case.place.path).order_by("path").first()
                or stairwells.filter(path__startswith=area.path).order_by("path").first()
            )
            if stairwell is None:
                continue
            used.add(stairwell.pk)
            self._owners(stairwell)
            with clock.at(now - dt.timedelta(days=days_ago)):
                today = timezone.localdate()
                campaign = ballot_services.ballot_create(
                    actor=mediator,
                    case=case,
                    matter="elevator",
                    title=f"{stairwell.full_name.split(' / ')[-2]}{stairwell.name}是否加装电梯",
                    scope=stairwell,
                    rule_set=BallotRuleSet.objects.get(code="civil-code-278-major", version=1),
                    opens_on=today + dt.timedelta(days=3),
                    closes_on=today + dt.timedelta(days=23),
                )
                made += 1
                if stage == "draft":
                    continue
                campaign = ballot_services.ballot_transition(
                    campaign=campaign, name="announce", actor=mediator
                )
                if stage == "announced":
                    continue
                clock.advance(days=3)
                campaign = ballot_services.ballot_transition(
                    campaign=campaign, name="open", actor=mediator
                )
                entries = list(campaign.electorate.order_by("floor", "number"))
                share = len(entries) if stage == "published" else len(entries) * 3 // 4
                for i, entry in enumerate(entries[:share]):
                    clock.advance(hours=3)
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
                if stage == "collecting":
                    continue
                clock.advance(days=1)
                for name in ("count", "declare_passed", "publish"):
                    campaign = ballot_services.ballot_transition(
                        campaign=campaign, name=name, actor=mediator
                    )
        return made

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

    def _meeting(self, clock, mediator, committee, kind, topic, cases, days_ago, *, publish=True):
        """A meeting ``days_ago`` days back (negative: ahead) at 14:00, created two to three
        weeks before it and its notice published ten days before (or at once, if that has
        passed) — never a notice dated after its meeting."""
        local_day = timezone.localtime(clock.real_now - dt.timedelta(days=days_ago)).date()
        starts_at = timezone.make_aware(dt.datetime.combine(local_day, dt.time(14, 0)))
        created = min(starts_at - dt.timedelta(days=18), clock.latest() - dt.timedelta(days=2))
        with clock.at(created):
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
            if publish:
                clock.advance(days=8)
                meeting = services.meeting_transition(
                    meeting=meeting, name="publish_notice", actor=mediator
                )
        return meeting

    def _minutes(self, clock, meeting, mediator, archivist, *, file: bool):
        """Draft, circulate, sign and approve the minutes over the days after the meeting;
        ``file``: the archivist then marks them filed in the archive."""
        with clock.at(meeting.starts_at + dt.timedelta(days=1)):
            minutes = services.minutes_draft(
                meeting=meeting,
                actor=mediator,
                summary="与会各方就方案和费用分摊充分发表意见。",
            )
            minutes = services.minutes_transition(minutes=minutes, name="circulate", actor=mediator)
            for attendee in meeting.invitees.filter(attended=True):
                clock.advance(hours=5)
                services.signature_record(
                    minutes=minutes, actor=mediator, invitee=attendee, refused=False
                )
            clock.advance(hours=4)
            minutes = services.minutes_transition(minutes=minutes, name="approve", actor=mediator)
            if file:
                clock.advance(days=6)
                services.minutes_transition(minutes=minutes, name="archive", actor=archivist)

    def _hold(self, clock, meeting, mediator):
        """Hold the meeting at its time: attendance, agenda, statements, a motion, a
        decision and a follow-up; then close its record the same afternoon."""
        with clock.at(meeting.starts_at + dt.timedelta(minutes=5), office=False):
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
            clock.advance(hours=2, office=False)
            services.follow_up_add(
                meeting=meeting,
                actor=mediator,
                text="出具修改方案并张贴公示",
                organisation=meeting.convening_organisation,
                due_date=timezone.localdate() + dt.timedelta(days=14),
                case=meeting.cases.first(),
            )
            return services.meeting_transition(meeting=meeting, name="close", actor=mediator)
