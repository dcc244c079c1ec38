"""The ballot's law on real pages, in Chinese, on a phone and at a desk: the count that
names each owner of several units once, the register import's preview, the proposed owner
merges, the meeting's result notice and the public notice a resident opens from the
stairwell (no sign-in, no names), with its printable PDF and the archived result sheet.
Screenshots go to var/e2e-artifacts/<test>/."""

import re
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.models import FlatOwner, Status
from consultation import services
from consultation.models import ArchiveRecord, OwnerMergeProposal
from tests.e2e.test_journey import DESKTOP, PHONE
from tests.factories import (
    BallotCampaignFactory,
    FlatFactory,
    MeetingFactory,
    StairwellFactory,
    make_case,
    own,
)

PASSWORD = "correct horse battery staple"
ENGLISH = re.compile(r"\b(Ballot|Owner|Notice|Objection|Import|Preview|Rule set|Publicity)\b")


def sign_in(context, base, username):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("用户名")).fill(username)
    page.get_by_label(re.compile("密码")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("登录")).click()
    return page


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_ballot_law_pages_in_chinese(
    live_server, browser, shots, tmp_path, settings, world, mediator
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    place = StairwellFactory(parent=world.building_a, name="2单元", floors=0)
    flats = {
        n: FlatFactory(place=place, number=n, floor=int(n[0]), area_m2="62.10")
        for n in ("101", "102", "201", "202", "301", "302")
    }
    for n in ("101", "102", "201"):
        own(flats[n], "张三")
    own(flats["202"], "李四")
    own(flats["301"], "王五", "王五妻")
    own(flats["302"], "赵六")
    campaign = BallotCampaignFactory(
        case=case, scope=place, title="2单元是否加装电梯", collecting=True
    )
    entries = {e.number: e for e in campaign.electorate.all()}
    for n in ("101", "102", "201", "202"):
        services.ballot_record(campaign=campaign, actor=mediator, entry=entries[n], choice="agree")
    services.ballot_record(
        campaign=campaign,
        actor=mediator,
        entry=entries["301"],
        choice="agree",
        signer_kind="co_owner",
        signer_name="王五妻",
    )
    # A ballot still in draft, with a register waiting for its preview.
    draft = BallotCampaignFactory(case=case, scope=place, title="2单元外墙维修")
    register = (
        "楼栋,室号,楼层,专有面积,业主,证件号,类型,份额,未售\n"
        "2单元,101,1,62.10,张三,110101199003071234,个人,,\n"
        "2单元,102,1,62.10,张三,110101199003071234,个人,,\n"
        "2单元,201,2,62.10,张三,110101199003071234,个人,,\n"
        "2单元,202,2,62.10,,,,,是\n"
        "2单元,301,3,62.10,王五,,个人,0.5,\n"
        "2单元,301,3,62.10,王五妻,,个人,0.5,\n"
        "2单元,302,3,62.10,赵六,,个人,,\n"
    )
    imported = services.electorate_import_read(
        campaign=draft, actor=mediator, upload=SimpleUploadedFile("产权名册.csv", register.encode())
    )
    # A proposed merge: 王伟 on two units of the building.
    twins = []
    for n in ("401", "402"):
        flat = FlatFactory(place=place, number=n, floor=4, area_m2="70.00")
        FlatOwner.objects.create(flat=flat, name="王伟")
        twins.extend(own(flat, f"王伟{n}"))
    for owner in twins:
        owner.name = "王伟"
        owner.save()
    proposal = OwnerMergeProposal.objects.create(building=world.building_a, name="王伟")
    proposal.owners.set(twins)
    # A held meeting with its result posted and an objection.
    meeting = MeetingFactory(case=case, held=True, topic="2单元加装电梯协调")
    notice = services.meeting_result_post(
        meeting=meeting, actor=mediator, summary="经协调，各方同意按楼层系数分摊费用。"
    )
    services.objection_record(
        publicity=notice, actor=mediator, name="赵六", flat="302", text="一楼采光受影响"
    )
    # A published ballot for the public notice.
    published = BallotCampaignFactory(
        case=case,
        scope=StairwellFactory(parent=world.building_a, name="3单元", floors=3),
        title="3单元是否加装电梯",
        published=True,
        votes=["object"] + ["agree"] * 5,
    )
    result_notice = published.publicities.get()
    base = live_server.url
    looked = []
    for label, size in (("phone", PHONE), ("desk", DESKTOP)):
        context = browser.new_context(
            **size, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"}
        )
        page = sign_in(context, base, "mediator")
        for name, url, must in (
            ("ballot", f"/meetings/ballots/{campaign.pk}/", "张三：3 套，计 1 人 / 186.30 m²"),
            (
                "import-preview",
                f"/meetings/ballots/{draft.pk}/import/{imported.pk}/",
                "建设单位未售房屋",
            ),
            ("meeting", f"/meetings/{meeting.pk}/#publicity", "一楼采光受影响"),
            ("published-ballot", f"/meetings/ballots/{published.pk}/", "加装电梯方案生效前"),
        ):
            page.goto(base + url)
            body = page.inner_text("main")
            assert must in body, (name, body[:500])
            assert not ENGLISH.search(body), (name, ENGLISH.search(body))
            looked.append(shots(page, f"{name}-{label}"))
        context.close()
        context = browser.new_context(
            **size, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"}
        )
        page = sign_in(context, base, "mediator")
        page.goto(f"{base}/meetings/owners/merges/")
        assert "王伟" in page.inner_text("main")
        looked.append(shots(page, f"merges-{label}"))
        context.close()
        anonymous = browser.new_context(
            **size, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"}
        )
        page = anonymous.new_page()
        page.goto(f"{base}/notices/{result_notice.code}/")
        body = page.inner_text("main")
        assert "公示" in body and "通过" in body and not re.search(r"业主\d", body)
        assert "The owners" not in body and "番禺居委会" in body
        looked.append(shots(page, f"public-notice-{label}"))
        anonymous.close()
    # The printable notice and the archived result sheet as PNG pages.
    from consultation.documents.notices import notice_pdf

    for name, content in (
        ("notice", notice_pdf(result_notice)),
        ("result", ArchiveRecord.objects.get(ballot=published).file.read()),
    ):
        folder = looked[0].parent
        pdf_path = folder / f"{name}.pdf"
        pdf_path.write_bytes(content)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", str(pdf_path), str(folder / name)], check=True
        )
        text = subprocess.run(
            ["pdftotext", str(pdf_path), "-"], capture_output=True
        ).stdout.decode()
        assert "≥ 3/4" in text or "3/4" in text
        if name == "result":
            assert "民法典第二百七十八条第二款" in text and "法释〔2009〕7号" in text
