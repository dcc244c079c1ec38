"""Load a realistic demo street: places, flats, organisations, one user per role, and a
few hundred cases in every state over about fourteen months, made through the real services
with the clock moved (``core.demo_clock``): overdue and due-soon cases, referrals waiting in
the property manager's and the agencies' inboxes, 督办 and 催办, residents' ratings and
reopen requests, return visits. Deterministic (seeded random); safe to run twice.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from casework import calendar, portal, selectors, services, sla
from casework.models import (
    OPEN_STATUSES,
    Case,
    Category,
    Channel,
    Flat,
    FlatOwner,
    Grid,
    Membership,
    Organisation,
    OrgKind,
    Outcome,
    PartyKind,
    PartyRole,
    Place,
    PlaceKind,
    Priority,
    ReferralKind,
    ReferralRole,
    Status,
)
from casework.roles import Role
from casework.services import PartyData
from core.demo_clock import DemoClock

DEMO_PASSWORD = "linli-demo-2026"
STREET = "新华路街道"
# Residents' own reports of today, from their phones, besides the walked cases (texts).
ONLINE_TODAY = 2

AREAS = {
    "番禺居民区": ["幸福小区", "番禺新村"],
    "法华居民区": ["法华公寓", "和平小区"],
    "香花桥居民区": ["香花苑", "安顺小区"],
    "新华居民区": ["新华别墅", "梅园"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = [
    "建国",
    "秀英",
    "桂英",
    "志强",
    "丽华",
    "国强",
    "美兰",
    "海燕",
    "明",
    "伟",
    "静",
    "磊",
    "晓燕",
    "红梅",
    "文斌",
    "玉珍",
    "德华",
    "丽娟",
]
STORIES = {
    "construction_noise": (
        "隔壁工地夜间打桩到23点，影响老人孩子休息。",
        "要求晚上十点后停止施工。",
    ),
    "noise": ("楼上住户每天深夜拖动家具、放音乐。", "请居委会出面协调。"),
    "bicycle_parking": ("单元门口电瓶车乱停，堵住消防通道。", "要求物业规划停车点并清理。"),
    "car_parking": ("小区外来车辆占用业主车位，物业不管。", "要求加强门岗管理。"),
    "elevator_retrofit": ("本楼多数老人希望加装电梯，一楼住户反对。", "请组织协调会。"),
    "property_fee": ("物业公司通知物业费每平方米上调0.8元，未征求意见。", "要求召开听证会。"),
    "owners_committee": ("业委会换届拖延一年多，账目不公开。", "要求公开账目、启动换届。"),
    "maintenance_fund": (
        "屋顶漏水，申请使用维修资金迟迟没有结果。",
        "请尽快启动维修资金使用程序。",
    ),
    "ev_charging": ("想在自有车位安装充电桩，物业不出具同意证明。", "请协调物业出具证明。"),
    "pets": ("邻居养大型犬不拴绳，孩子被吓到。", "要求规范养犬。"),
    "sanitation": ("垃圾箱房长期不清洗，夏天异味严重。", "要求定期清洗消毒。"),
    "old_pipes": ("老旧污水管经常堵塞，一楼反水。", "要求更换管道。"),
    "neighbour_dispute": ("楼上空调外机滴水到我家窗台，沟通无果。", "请调解。"),
    "other": ("小区路灯坏了两个月没人修。", "请尽快修复。"),
}
# Target states and how often each appears among the demo cases.
STATE_WEIGHTS = {
    Status.REGISTERED: 10,
    Status.ACCEPTED: 8,
    Status.IN_PROGRESS: 16,
    Status.WAITING: 8,
    Status.RESOLVED: 10,
    Status.CLOSED: 20,
    Status.REOPENED: 4,
    Status.ARCHIVED: 8,
    Status.REJECTED: 5,
    Status.WITHDRAWN: 5,
    Status.MERGED: 6,
}
# How long ago (days, oldest–newest) a case in each state was registered: finished cases
# anywhere in the period, open ones recent enough that some are overdue and some due soon.
STATE_AGE_DAYS = {
    Status.REGISTERED: (4, 0.1),
    Status.ACCEPTED: (30, 1),
    Status.IN_PROGRESS: (55, 2),
    Status.WAITING: (50, 3),
    Status.RESOLVED: (25, 2),
    Status.CLOSED: (430, 30),
    Status.REOPENED: (120, 20),
    Status.ARCHIVED: (430, 100),
    Status.REJECTED: (430, 5),
    Status.WITHDRAWN: (430, 10),
    Status.MERGED: (50, 2),
}


class Command(BaseCommand):
    help = "Load the demo street, organisations, users and cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases",
            type=int,
            default=300,
            help="cases walked through their history (default 300); two residents also "
            "report online today",
        )
        parser.add_argument(
            "--months", type=int, default=14, help="months of history to spread them over"
        )

    def handle(self, *args, cases: int, months: int, **options):
        rng = random.Random(2026)
        clock = DemoClock(rng)
        self._calendar(clock, months)
        with transaction.atomic():
            street, areas, estates, buildings = self._places(rng)
            orgs = self._organisations(street, areas, estates)
            users = self._users(orgs, areas)
        if Case.objects.filter(place__path__startswith=street.path).exists():
            self.stdout.write("Demo cases already present; nothing added.")
        elif cases:
            with transaction.atomic():
                self._cases(rng, cases, orgs, users, buildings, clock, months)
            with transaction.atomic(), translation.override("zh-hans"):  # as on their phones
                # Besides ``cases``, with a die of its own: the story above stays the same.
                self._residents_online(random.Random(12345), users, buildings, orgs, ONLINE_TODAY)
        self._print_logins()

    def _calendar(self, clock, months):
        """The working-day calendar for every year the demo's dates and deadlines touch
        (the history, and next year for deadlines running past December)."""
        first = (clock.real_now - dt.timedelta(days=months * 31)).year
        missing = [
            year
            for year in range(first, clock.real_now.year + 2)
            if year in calendar.unpublished_years(year)
        ]
        for year in missing:
            calendar.load_official_schedule(year)

    # ---------------------------------------------------------------- places

    def _place(self, kind, name, parent=None):
        place = Place.objects.filter(parent=parent, name=name).first()
        if place is None:
            place = Place(kind=kind, name=name, parent=parent)
            place.full_clean()
            place.save()
        return place

    def _places(self, rng):
        street = self._place(PlaceKind.STREET, STREET)
        areas, estates, buildings = {}, {}, []
        grid_no = 0
        for area_name, estate_names in AREAS.items():
            area = areas[area_name] = self._place(PlaceKind.AREA, area_name, street)
            for estate_name in estate_names:
                estate = estates[estate_name] = self._place(PlaceKind.ESTATE, estate_name, area)
                grid_no += 1
                grid, _ = Grid.objects.get_or_create(name=f"新华路第{grid_no}网格")
                for b in range(1, 4):
                    building = self._place(PlaceKind.BUILDING, f"{b}号楼", estate)
                    head = rng.choice(SURNAMES) + rng.choice(GIVEN)
                    if building.grid_id != grid.pk or building.latitude is None:
                        # The cell (微网格), its building head (楼组长) and a point for
                        # "use my location" (the streets around 新华路, WGS-84).
                        building.grid = grid
                        building.building_head = building.building_head or head
                        building.latitude = Decimal("31.2050") + (
                            Decimal(grid_no * 12 + b) / 4000
                        ).quantize(Decimal("0.000001"))
                        building.longitude = Decimal("121.4250") + (
                            Decimal(grid_no * 7 + b) / 3000
                        ).quantize(Decimal("0.000001"))
                        building.save()
                    buildings.append(building)
                    for u in (1, 2):
                        stairwell = self._place(PlaceKind.STAIRWELL, f"{u}单元", building)
                        self._flats(rng, stairwell, u)
        return street, areas, estates, buildings

    def _flats(self, rng, stairwell, unit):
        if stairwell.flats.exists():
            return
        flats = [
            Flat(
                place=stairwell,
                number=f"{floor}0{unit * 2 - side}",
                floor=floor,
                area_m2=Decimal(rng.choice(["52.30", "61.75", "68.40", "74.10", "86.95"])),
            )
            for floor in range(1, 7)
            for side in (0, 1)
        ]
        Flat.objects.bulk_create(flats)
        FlatOwner.objects.bulk_create(
            FlatOwner(flat=flat, name=rng.choice(SURNAMES) + rng.choice(GIVEN))
            for flat in Flat.objects.filter(place=stairwell)
        )

    # --------------------------------------------------------- organisations

    def _org(self, name, kind, places):
        org, _ = Organisation.objects.get_or_create(name=name, defaults={"kind": kind})
        org.places.add(*places)
        return org

    def _organisations(self, street, areas, estates):
        orgs = {
            "street": self._org("新华路街道办事处", OrgKind.STREET_OFFICE, [street]),
            "mediation": self._org(
                "新华路街道人民调解委员会", OrgKind.MEDIATION_COMMITTEE, [street]
            ),
            "police": self._org("长宁公安分局新华路派出所", OrgKind.POLICE_STATION, [street]),
            "urban": self._org("新华路街道城管执法中队", OrgKind.URBAN_MANAGEMENT, [street]),
            "justice": self._org("新华路司法所", OrgKind.JUSTICE_OFFICE, [street]),
            "housing": self._org("新华路街道房管办", OrgKind.HOUSING_OFFICE, [street]),
            "procuratorate": self._org("长宁区人民检察院", OrgKind.PROCURATORATE, [street]),
            "ecology": self._org("长宁区生态环境局", OrgKind.ECOLOGY, [street]),
            "market": self._org("长宁区市场监管局新华所", OrgKind.MARKET_REGULATION, [street]),
        }
        for n, (area_name, area) in enumerate(areas.items()):
            orgs[area_name] = self._org(
                area_name.replace("居民区", "居委会"), OrgKind.RESIDENTS_COMMITTEE, [area]
            )
            # The committee's office phone: the residents' home page lists whom to call.
            Organisation.objects.filter(pk=orgs[area_name].pk, phone="").update(
                phone=f"021-6280 {1101 + n}"
            )
        Organisation.objects.filter(pk=orgs["street"].pk, phone="").update(phone="021-6280 1100")
        for estate_name, estate in estates.items():
            orgs[f"pm:{estate_name}"] = self._org(
                f"{estate_name}物业服务中心", OrgKind.PROPERTY_COMPANY, [estate]
            )
            orgs[f"oc:{estate_name}"] = self._org(
                f"{estate_name}业主委员会", OrgKind.OWNERS_COMMITTEE, [estate]
            )
        return orgs

    # ------------------------------------------------------------------ users

    DEMO_USERS = [
        # username, name, organisation key, role
        ("mediator", ("晓燕", "张"), "番禺居民区", Role.MEDIATOR),
        ("mediator2", ("国强", "李"), "法华居民区", Role.MEDIATOR),
        ("mediator3", ("海燕", "周"), "香花桥居民区", Role.MEDIATOR),
        ("mediator4", ("文斌", "徐"), "新华居民区", Role.MEDIATOR),
        ("supervisor", ("红梅", "陈"), "street", Role.SUPERVISOR),
        ("agency", ("志强", "王"), "urban", Role.AGENCY_OFFICER),
        ("police", ("磊", "马"), "police", Role.AGENCY_OFFICER),
        ("property", ("德华", "赵"), "pm:幸福小区", Role.PROPERTY_MANAGER),
        ("archivist", ("玉珍", "刘"), "street", Role.ARCHIVIST),
        ("grid", ("建国", "孙"), "番禺居民区", Role.GRID_WORKER),
    ]
    # Grid workers and the cells (微网格) they walk.
    GRID_CELLS = {"grid": ["新华路第1网格"]}

    def _users(self, orgs, areas):
        User = get_user_model()
        users = {}
        password = make_password(DEMO_PASSWORD)
        for username, (first, last), org_key, role in self.DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.linli.local",
                },
            )
            if created:
                user.password = password  # one hash for the one demo password (fast)
                user.save()
            Membership.objects.get_or_create(user=user, organisation=orgs[org_key], role=role)
            users[username] = user
        for username, cells in self.GRID_CELLS.items():
            for grid in Grid.objects.filter(name__in=cells):
                grid.workers.add(users[username])
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@demo.linli.local"},
        )
        if created:
            admin.password = password
            admin.save()
        users["admin"] = admin
        return users

    # ------------------------------------------------------------------ cases

    def _cases(self, rng, count, orgs, users, buildings, clock, months):
        """Register ``count`` cases spread over ``months``, each at its own moment, and walk
        each through the real transitions with the clock moving as the work would."""
        categories = list(Category.objects.filter(active=True))
        channels = list(Channel.values)
        mediators = {
            name: users[u]
            for name, u in zip(
                AREAS, ["mediator", "mediator2", "mediator3", "mediator4"], strict=True
            )
        }
        supervisor, archivist = users["supervisor"], users["archivist"]
        states = rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()), k=count)
        span = months * 30.5
        plan = []
        for i, state in enumerate(states):
            oldest, newest = STATE_AGE_DAYS[state]
            days_ago = rng.uniform(newest, min(oldest, span))
            plan.append((clock.real_now - dt.timedelta(days=days_ago), i, state))
        plan.sort()  # registered in the order of their dates: references run with time
        open_by_area: dict[str, list[Case]] = {}
        xingfu = [b for b in buildings if b.full_name.split(" / ")[2] == "幸福小区"]
        for when, i, state in plan:
            building = rng.choice(buildings)
            if state == Status.WAITING and rng.random() < 0.4:
                # The demo property manager (幸福小区) gets referrals waiting in its inbox.
                building = rng.choice(xingfu)
            area_name = building.full_name.split(" / ")[1]
            officer = mediators[area_name]
            category = (
                categories[i % len(categories)] if i < len(categories) else rng.choice(categories)
            )
            story, ask = STORIES.get(category.code, STORIES["other"])
            parties = [
                PartyData(
                    name=self._name(rng),
                    phone=self._phone(rng),
                    address=f"{building.name}{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
                )
            ]
            if rng.random() < 0.5:
                parties.append(
                    PartyData(
                        name=rng.choice(
                            [
                                f"{building.full_name.split(' / ')[2]}物业服务中心",
                                "某建筑工程有限公司",
                                self._name(rng),
                            ]
                        ),
                        role=PartyRole.RESPONDENT,
                        kind=rng.choice(
                            [PartyKind.ENTERPRISE, PartyKind.PROPERTY_COMPANY, PartyKind.RESIDENT]
                        ),
                        phone=self._phone(rng),
                    )
                )
            with clock.at(when):
                case = services.case_register(
                    actor=officer,
                    organisation=orgs[area_name],
                    category=category,
                    place=building,
                    channel=channels[i % len(channels)],
                    description=story,
                    requests=ask,
                    priority=rng.choices(Priority.values, weights=[80, 15, 5])[0],
                    escalation_risk=rng.random() < 0.08,
                    parties=parties,
                ).case
                if state == Status.MERGED and open_by_area.get(area_name):
                    clock.advance(hours=rng.uniform(1, 30))
                    target = Case.objects.get(pk=rng.choice(open_by_area[area_name]).pk)
                    if target.status in OPEN_STATUSES:
                        services.case_merge(target=target, duplicates=[case], actor=officer)
                    continue
                case = self._walk(
                    case, state, officer, supervisor, archivist, rng, orgs, users, clock, building
                )
            if state in {Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING}:
                open_by_area.setdefault(area_name, []).append(case)
        self._supervise(rng, supervisor, clock)
        self.stdout.write(f"Created {count} demo cases over {months} months.")

    def _supervise(self, rng, supervisor, clock):
        """The supervisor puts every other one of the overdue referrals under 督办 (a day ago),
        then today's SLA sweep chases (催办) whatever is overdue — both through the
        services, so the chases and the supervision are the product's own records."""
        with clock.at(clock.real_now - dt.timedelta(days=1)):
            for n, referral in enumerate(sla.overdue_referrals().order_by("pk")):
                if n % 2 == 0:
                    services.referral_supervise(
                        referral=referral,
                        actor=supervisor,
                        on=True,
                        note="超期未办结，请加快办理并于三日内反馈。",
                    )
        with clock.at(clock.latest(), office=False):
            sla.sla_sweep()

    # The demo users who work referrals, by organisation key.
    RECEIVERS = {"urban": "agency", "police": "police", "pm:幸福小区": "property"}

    def _referral_target(self, case, orgs, building, rng):
        """Where a waiting case goes: the property manager for its estate's cases, and in
        turn the agencies with demo logins and the routed organisation — so that the
        property manager's and the agencies' inboxes have work waiting."""
        if building.full_name.split(" / ")[2] == "幸福小区" and rng.random() < 0.7:
            return orgs["pm:幸福小区"]
        self._turn = getattr(self, "_turn", -1) + 1
        key = ("urban", "police", None)[self._turn % 3]
        return orgs[key] if key else selectors.suggested_organisations(case).first()

    def _refer(self, case, officer, orgs, users, rng, clock, *, finish: bool, org=None):
        """Refer the case to ``org`` (or the routed organisation); its demo user (if any)
        works it. ``finish`` runs the referral to its end (reply accepted), so the case
        resumes; otherwise it stops at a random step (dispatched, signed for, replied)."""
        org = org or selectors.suggested_organisations(case).first()
        if org is None:
            return case
        clock.advance(hours=rng.uniform(2, 48))
        referral = services.referral_dispatch(
            case=case,
            organisation=org,
            actor=officer,
            role=ReferralRole.LEAD,
            kind=rng.choice(ReferralKind.values),
            instructions="请核实现场情况并依职责处置，处置结果请书面反馈。",
            needs_contact=rng.random() < 0.3,
        )
        key = next((k for k, o in orgs.items() if o.pk == org.pk), None)
        receiver = users.get(self.RECEIVERS.get(key, ""))
        step = rng.random()
        kept_open = self.__dict__.setdefault("_kept_open", set())
        if not finish and key in self.RECEIVERS and key not in kept_open:
            # Each demo inbox's first referral stays signed for and unanswered: whatever
            # the dice say, every receiving login has work waiting.
            kept_open.add(key)
            step = 0.4
        if receiver is None and finish:
            receiver = users["admin"]  # an organisation without a demo login
        if receiver is not None and (finish or step < 0.65):
            clock.advance(hours=rng.uniform(1, 40))
            referral = services.referral_transition(
                referral=referral, name="sign_for", actor=receiver
            )
            if finish or step < 0.3:
                clock.advance(days=rng.uniform(1, 8))
                referral = services.referral_transition(
                    referral=referral,
                    name="send_reply",
                    actor=receiver,
                    reply="已到现场核实并责令整改，相关方承诺按要求处理。",
                )
            if finish:
                clock.advance(hours=rng.uniform(2, 30))
                services.referral_transition(referral=referral, name="accept_reply", actor=officer)
        return Case.objects.get(pk=case.pk)

    def _walk(self, case, state, officer, supervisor, archivist, rng, orgs, users, clock, building):
        """Drive a fresh case to ``state`` through the real transitions, the clock moving
        between steps as the work would (hours to accept, days to resolve)."""

        def go(name, actor=officer, after_hours=(1, 24), **params):
            nonlocal case
            clock.advance(hours=rng.uniform(*after_hours))
            case = services.case_transition(case=case, name=name, actor=actor, **params)
            return case

        if state in {Status.REGISTERED, Status.MERGED}:
            return case
        if state == Status.REJECTED:
            return go("reject", reason="不属于本居委会受理范围，已告知向区市场监管部门反映。")
        if state == Status.WITHDRAWN and rng.random() < 0.5:
            return go("withdraw", reason="当事人表示已自行协商解决。")
        go("accept", after_hours=(0.5, 20))
        if state == Status.ACCEPTED:
            return case
        clock.advance(hours=rng.uniform(0.5, 8))
        case = services.case_assign(case=case, officer=officer, actor=supervisor)
        go("start_work", after_hours=(0.5, 30))
        clock.advance(hours=rng.uniform(1, 30))
        services.case_add_note(
            case=case, actor=officer, text="已电话联系诉求人，约定上门了解情况。"
        )
        if state == Status.IN_PROGRESS:
            return case
        if state == Status.WITHDRAWN:
            return go("withdraw", after_hours=(24, 200), reason="当事人撤回诉求。")
        if state == Status.WAITING:
            if rng.random() < 0.8:
                org = self._referral_target(case, orgs, building, rng)
                case = self._refer(case, officer, orgs, users, rng, clock, finish=False, org=org)
                if case.status == Status.WAITING:
                    return case
            return go("wait", reason="等待物业公司书面答复。")
        if rng.random() < 0.3:
            case = self._refer(case, officer, orgs, users, rng, clock, finish=True)
        go(
            "resolve",
            after_hours=(48, 400),
            outcome=rng.choice(
                [
                    Outcome.RESOLVED,
                    Outcome.PARTLY_RESOLVED,
                    Outcome.EXPLAINED,
                    Outcome.MEDIATION_AGREEMENT,
                ]
            ),
            summary="经现场协调，双方达成一致，问题已处理。",
        )
        reopen = state == Status.REOPENED
        # Residents rate about half the cases they see resolved (the portal's rating);
        # some of the unhappy ones ask to reopen — a request that waits for the officer.
        if rng.random() < (0.9 if reopen else 0.5):
            clock.advance(hours=rng.uniform(3, 72))
            happy = not reopen and rng.random() < 0.85
            portal.rate_case(
                case=case,
                efficiency=rng.randint(4, 5) if happy else rng.randint(1, 3),
                attitude=rng.randint(4, 5) if happy else rng.randint(2, 4),
                result=rng.randint(4, 5) if happy else rng.randint(1, 2),
                satisfied=happy,
                comment="处理及时，态度很好。" if happy else "问题没有根本解决。",
                reopen_reason="" if happy else "楼上又开始漏水了，请再来看看。",
            )
            case.refresh_from_db()
        if state == Status.RESOLVED:
            return case
        # The return visit (回访) comes first: closing waits for it.
        clock.advance(hours=rng.uniform(20, 100))
        services.case_return_visit_record(
            case=case,
            actor=officer,
            manner="phone",
            reached=True,
            efficiency=3 if reopen else 5,
            attitude=4 if reopen else 5,
            result=2 if reopen else 5,
            satisfied=not reopen,
            residents_words="问题又出现了。" if reopen else "处理得很及时，谢谢。",
        )
        case.refresh_from_db()
        if reopen:
            return go("reopen", reason="回访时诉求人表示问题反复出现。")
        go("close", actor=supervisor, note="次日回访：诉求人表示满意。")
        if state == Status.ARCHIVED:
            go("archive", actor=archivist, after_hours=(24 * 20, 24 * 45))
        return case

    def _residents_online(self, rng, users, buildings, orgs, count):
        """Residents report from their phones today through the residents' form's own
        service, each with a mobile number and asking for texts: their receipts land in the
        development SMS outbox (/r/sms-outbox/). The first is worked this morning — accepted,
        assigned, referred to 幸福小区's property company, whose reply now waits for the
        mediator to confirm — so the officer's 需要我处理 has work however the history's
        clock fell, and the resident got a text at each new stage."""
        categories = list(Category.objects.filter(active=True).order_by("code")[:2])
        texts = [
            ("周桂英", "13917720418", "楼道灯坏了一个星期，晚上上下楼看不见。"),
            ("钱志强", "13601958273", "小区门口共享单车堆满人行道，推轮椅过不去。"),
        ]
        # In 幸福小区 (番禺居民区): the demo "mediator"'s area and "property"'s estate.
        near = [b for b in buildings if b.full_name.split(" / ")[2] == "幸福小区"]
        mediator = users["mediator"]
        for (name, phone, story), category in zip(texts[:count], categories, strict=False):
            registration = portal.submit_online(
                data=portal.Submission(
                    category=category,
                    place=rng.choice(near),
                    address="",
                    description=story,
                    requests="请尽快处理。",
                    name=name,
                    phone=phone,
                    email="",
                    sms_updates=True,
                )
            )
            if name != "周桂英":
                continue
            case = services.case_transition(case=registration.case, name="accept", actor=mediator)
            case = services.case_assign(case=case, officer=mediator, actor=users["supervisor"])
            case = services.case_transition(case=case, name="start_work", actor=mediator)
            referral = services.referral_dispatch(
                case=case,
                organisation=orgs["pm:幸福小区"],
                actor=mediator,
                role=ReferralRole.LEAD,
                kind=ReferralKind.values[0],
                instructions="请物业今日内更换楼道灯并反馈。",
            )
            referral = services.referral_transition(
                referral=referral, name="sign_for", actor=users["property"]
            )
            services.referral_transition(
                referral=referral,
                name="send_reply",
                actor=users["property"],
                reply="已安排电工上门，楼道灯已更换。",
            )

    @staticmethod
    def _name(rng):
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    @staticmethod
    def _phone(rng):
        return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"

    def _print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, (first, last), _org_key, role in self.DEMO_USERS:
            self.stdout.write(f"  {username:<11} {last}{first}  {Role(role).label}")
        self.stdout.write("  admin       superuser (Django admin)")
