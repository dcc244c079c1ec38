"""Demo people's mediations on the demo street's cases (run after ``seed_demo``;
idempotent): one whose agreement is in effect (so the judicial-confirmation reminder shows
on the dashboard), one ended without agreement with the routes told, one under way with a
session record still awaiting a signature — each through the real services."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from casework.models import OPEN_STATUSES, Case, Organisation, Party, PartyRole
from consultation import services as ms
from consultation.models import Mediation
from core.demo_clock import DemoClock

RESPONDENTS = ["陈建国", "李志强", "张丽华"]


class Command(BaseCommand):
    help = "Load demo people's mediations (in effect, ended, under way)."

    @transaction.atomic
    def handle(self, *args, **options):
        if Mediation.objects.exists():
            self.stdout.write("Demo mediations already present; nothing added.")
            return
        mediator = get_user_model().objects.filter(username="mediator").first()
        committee = Organisation.objects.filter(name="番禺居委会").first()
        if mediator is None or committee is None:
            self.stdout.write("Run seed_demo first; no demo mediations added.")
            return
        cases = list(
            Case.objects.filter(
                Q(assigned_officer=mediator) | Q(assigned_officer__isnull=True),
                status__in=OPEN_STATUSES,
                place__path__startswith=committee.places.first().path,
                meetings__isnull=True,
                ballots__isnull=True,
            ).order_by("reference")[:3]
        )
        if len(cases) < 3:
            self.stdout.write("Not enough open demo cases; no demo mediations added.")
            return
        clock = DemoClock(random.Random(2028))
        now = clock.real_now
        with (
            translation.override("zh-hans"),
            clock.at(self._after(cases[0], now - dt.timedelta(days=40))),
        ):
            agreed = self._open(
                cases[0], mediator, RESPONDENTS[0], "楼上卫生间渗水，请求维修并赔偿", clock
            )
            self._agree(agreed, mediator, clock)
        with (
            translation.override("zh-hans"),
            clock.at(self._after(cases[1], now - dt.timedelta(days=21))),
        ):
            ended = self._open(
                cases[1], mediator, RESPONDENTS[1], "噪声扰民，请求停止夜间施工", clock
            )
            self._session(ended, mediator, clock)
            clock.advance(days=6)
            ms.mediation_transition(
                mediation=ended,
                name="end_without_agreement",
                actor=mediator,
                reason="no_agreement",
                routes=["litigation", "administrative"],
                note="被申请人不同意调整施工时间；已告知可向城管执法部门投诉或提起诉讼。",
            )
            ms.closing_report_write(
                mediation=ended,
                actor=mediator,
                text="经两次调解未能达成协议，已告知救济途径，调解终结。",
            )
        with (
            translation.override("zh-hans"),
            clock.at(self._after(cases[2], now - dt.timedelta(days=3))),
        ):
            under_way = self._open(
                cases[2], mediator, RESPONDENTS[2], "共用走道堆物，请求清理", clock
            )
            self._session(under_way, mediator, clock, sign_all=False)
        self.stdout.write(
            "Demo mediations loaded: one agreement in effect, one ended, one under way."
        )

    @staticmethod
    def _after(case, when):
        """``when``, or a day after the case came in if that is later."""
        return max(when, case.created_at + dt.timedelta(days=1))

    def _open(self, case, mediator, respondent, matters, clock):
        if not case.parties.filter(role=PartyRole.RESPONDENT).exists():
            Party.objects.create(case=case, role=PartyRole.RESPONDENT, name=respondent)
        if not case.parties.filter(role=PartyRole.APPLICANT).exists():
            Party.objects.create(case=case, role=PartyRole.APPLICANT, name="王秀英")
        mediation = ms.mediation_register(
            case=case, actor=mediator, mediators=[mediator], matters=matters
        )
        clock.advance(hours=2)
        ms.notice_record(
            mediation=mediation,
            actor=mediator,
            given_at=timezone.now() - dt.timedelta(hours=1),
            manner="written",
            note="双方当事人签收《人民调解权利义务告知书》。",
        )
        return ms.mediation_transition(mediation=mediation, name="start", actor=mediator)

    def _session(self, mediation, mediator, clock, *, sign_all=True):
        parties = list(mediation.case.parties.all())
        clock.advance(days=2)
        session = ms.session_record(
            mediation=mediation,
            actor=mediator,
            held_at=timezone.now() - dt.timedelta(hours=1),
            venue="番禺居委会人民调解室",
            mediator=mediator,
            recorder=mediator,
            participants=parties,
            applicant_account="问题已持续两周，多次沟通无果。",
            respondent_account="愿意配合，但对费用承担有异议。",
            evidence="现场照片、物业维修记录。",
            outcome="双方同意在物业检测后再议费用分担。",
        )
        signers = parties if sign_all else parties[:1]
        for party in signers:
            ms.sign(record=session, actor=mediator, signer_key=f"p{party.pk}")
        if sign_all:
            ms.sign(record=session, actor=mediator, signer_key=f"u{mediator.pk}")
        return session

    def _agree(self, mediation, mediator, clock):
        self._session(mediation, mediator, clock)
        clock.advance(days=1)
        parties = list(mediation.case.parties.all())
        respondent = next(p for p in parties if p.role == PartyRole.RESPONDENT)
        agreement = ms.agreement_draft(
            mediation=mediation,
            actor=mediator,
            facts="被申请人卫生间防水层老化，导致申请人天花板渗水。",
            disputed_matters="维修责任及维修费用的承担。",
            performance_manner="被申请人一次性转账支付；自行修复防水层",
            performance_place="番禺居委会人民调解室",
            performance_deadline=timezone.localdate() + dt.timedelta(days=20),
            obligations=[(respondent, "于履行期限内修复防水层，并支付维修费用人民币一千二百元。")],
        )
        for party in parties:
            ms.sign(record=agreement, actor=mediator, signer_key=f"p{party.pk}")
        ms.sign(record=agreement, actor=mediator, signer_key=f"u{mediator.pk}")
        ms.agreement_seal(agreement=agreement, actor=mediator)
