"""Owner ballots through the services and pages: the lifecycle, the frozen electorate,
per-owner voting, cost sharing, the archived result sheet, and scoping."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from casework.models import Flat
from consultation import selectors, services
from consultation.models import (
    ArchiveRecord,
    BallotCampaign,
    BallotRuleSet,
    CampaignStatus,
    ElectorateEntry,
)
from core.exceptions import ActionForbidden, ImmutableRecord, TransitionRefused
from tests.factories import (
    BallotCampaignFactory,
    FlatFactory,
    StairwellFactory,
    own,
    pass_publicity,
    vote,
)
from tests.jobs import run_archive_jobs


@pytest.fixture
def stairwell(world):
    """Stairwell 1 of building 3: six floors, two flats each (x01 60 m², x02 90 m²), each
    with one owner (业主x01, 业主x02)."""
    return StairwellFactory(parent=world.building_a, name="1单元", floors=6)


@pytest.fixture
def campaign(case, stairwell):
    """A draft elevator ballot of stairwell 1 under Art. 278's rule for major matters."""
    return BallotCampaignFactory(case=case, scope=stairwell, title="1单元是否加装电梯")


def go(campaign, *names, actor):
    for name in names:
        campaign = services.ballot_transition(campaign=campaign, name=name, actor=actor)
    return campaign


def test_opening_freezes_the_electorate(campaign, mediator, stairwell):
    campaign = go(campaign, "announce", "open", actor=mediator)
    assert campaign.electorate.count() == 12
    assert campaign.rule["approval_area"] == "3/4"
    # Later changes to the flats do not reach the open ballot.
    Flat.objects.filter(place=stairwell, number="601").update(area_m2=Decimal("200.00"))
    FlatFactory(place=stairwell, number="701", floor=7, area_m2="90.00")
    entry = campaign.electorate.get(number="601")
    assert entry.area_m2 == Decimal("60.00") and campaign.electorate.count() == 12
    tally = selectors.compute_tally(campaign)
    assert tally.total_area == 6 * 150
    with pytest.raises(ImmutableRecord):
        entry.area_m2 = Decimal("1.00")
        entry.save()


def test_a_ballot_passes_through_its_lifecycle_and_archives_its_result(
    campaign, mediator, tmp_path
):
    campaign = go(campaign, "announce", "open", actor=mediator)
    # 11 of 12 vote; the ground floor flats object; the rest agree.
    vote(campaign, mediator, ["object", "object"] + ["agree"] * 9 + [None])
    with pytest.raises(TransitionRefused, match="has not closed yet"):
        go(campaign, "count", actor=mediator)  # one unit has not voted and it is still open
    BallotCampaign.objects.filter(pk=campaign.pk).update(
        opens_on=dt.date.today() - dt.timedelta(days=20),
        closes_on=dt.date.today() - dt.timedelta(days=1),
    )
    campaign.refresh_from_db()
    campaign = go(campaign, "count", actor=mediator)
    assert campaign.tally["verdict"] is True
    with pytest.raises(TransitionRefused, match="The tally passed"):
        go(campaign, "declare_failed", actor=mediator)
    campaign = go(campaign, "declare_passed", "publish", actor=mediator)
    assert campaign.status == CampaignStatus.PUBLISHED
    # The result sheet is rendered by the job publishing queued, after the commit.
    assert not ArchiveRecord.objects.filter(ballot=campaign).exists()
    assert run_archive_jobs() == ["done"]
    notice = campaign.publicities.get(kind="ballot_result")
    assert campaign.objection_deadline == notice.ends_on >= dt.date.today() + dt.timedelta(days=6)
    with pytest.raises(TransitionRefused, match="objection window"):
        go(campaign, "make_effective", actor=mediator)
    record = ArchiveRecord.objects.get(ballot=campaign)
    path = tmp_path / "result.pdf"
    path.write_bytes(record.file.read())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout.decode()
    assert "1单元是否加装电梯" in text and "通过" in text
    # Objections in the window; the window over, the ballot takes effect.
    services.objection_add(
        campaign=campaign, actor=mediator, name="业主101", flat="101", text="采光问题未解决"
    )
    assert notice.objections.get().text == "采光问题未解决"
    BallotCampaign.objects.filter(pk=campaign.pk).update(
        objection_deadline=dt.date.today() - dt.timedelta(days=1)
    )
    campaign.refresh_from_db()
    with pytest.raises(TransitionRefused, match="planning publicity and its comment period"):
        go(campaign, "make_effective", actor=mediator)
    pass_publicity(campaign, mediator)
    campaign = go(campaign, "make_effective", actor=mediator)
    assert campaign.status == CampaignStatus.EFFECTIVE


def test_failing_ballot_names_its_reason(case, stairwell, mediator):
    # 7 of 12 take part: < 2/3 by heads
    campaign = BallotCampaignFactory(case=case, scope=stairwell, counted=True, votes=["agree"] * 7)
    assert campaign.tally["verdict"] is False
    assert campaign.tally["reasons"] == ["participation_area", "participation_heads"]
    campaign = go(campaign, "declare_failed", "publish", actor=mediator)
    with pytest.raises(TransitionRefused):
        BallotCampaign.objects.filter(pk=campaign.pk).update(
            objection_deadline=dt.date.today() - dt.timedelta(days=1)
        )
        campaign.refresh_from_db()
        go(campaign, "make_effective", actor=mediator)  # a failed ballot never takes effect


def test_ballot_entry_validates(campaign, mediator, outsider):
    with pytest.raises(TransitionRefused, match="while the ballot is collecting"):
        services.ballot_record(
            campaign=campaign,
            actor=mediator,
            entry=ElectorateEntry(campaign=campaign),
            choice="agree",
        )
    campaign = go(campaign, "announce", "open", actor=mediator)
    entry = campaign.electorate.first()
    with pytest.raises(TransitionRefused, match="objection needs its reason"):
        services.ballot_record(campaign=campaign, actor=mediator, entry=entry, choice="object")
    with pytest.raises(TransitionRefused, match="written mandate"):
        services.ballot_record(
            campaign=campaign,
            actor=mediator,
            entry=entry,
            choice="agree",
            signer_kind="proxy",
            signer_name="代理人",
        )
    with pytest.raises(TransitionRefused, match="one of the unit's owners"):
        services.ballot_record(
            campaign=campaign, actor=mediator, entry=entry, choice="agree", signer_name="路人"
        )
    with pytest.raises(ActionForbidden):
        services.ballot_record(campaign=campaign, actor=outsider, entry=entry, choice="agree")
    # One ballot per flat: a second entry corrects the first.
    services.ballot_record(campaign=campaign, actor=mediator, entry=entry, choice="agree")
    services.ballot_record(campaign=campaign, actor=mediator, entry=entry, choice="abstain")
    assert list(entry.ballots.values_list("choice", flat=True)) == ["abstain"]


def test_co_owners_of_one_unit_vote_once_and_count_as_one_owner(case, stairwell, mediator):
    # 法释〔2009〕7号 Art. 9: co-owners of one unit are one owner (no per-co-owner voting).
    flat = Flat.objects.get(place=stairwell, number="101")
    own(flat, "配偶101")
    campaign = BallotCampaignFactory(case=case, scope=stairwell, collecting=True)
    entry = campaign.electorate.get(number="101")
    assert sorted(entry.owners) == ["业主101", "配偶101"]
    services.ballot_record(
        campaign=campaign,
        actor=mediator,
        entry=entry,
        choice="agree",
        signer_kind="co_owner",
        signer_name="配偶101",
    )
    services.ballot_record(
        campaign=campaign,
        actor=mediator,
        entry=entry,
        choice="object",
        objection_reason="改主意",
        signer_kind="co_owner",
        signer_name="业主101",
    )
    paper = entry.ballots.get()  # one vote per unit: the second corrected the first
    assert (paper.choice, paper.signer_name) == ("object", "业主101")
    tally = selectors.compute_tally(campaign)
    assert tally.total_heads == 12 and tally.participating_area == 60
    assert not hasattr(BallotRuleSet, "vote_per_owner")


def test_cost_shares_are_by_floor_and_add_up(case, stairwell, mediator):
    campaign = BallotCampaignFactory(case=case, scope=stairwell, collecting=True)
    coefficients = selectors.default_coefficients(list(range(1, 7)))
    assert coefficients["1"] == "0" and coefficients["2"] == "1" and coefficients["6"] == "1.4"
    campaign = services.cost_set(
        campaign=campaign, actor=mediator, total_yuan="680000.01", coefficients=coefficients
    )
    shares = selectors.cost_shares(campaign)
    assert sum(s["cents"] for s in shares) == 68_000_001
    ground = [s for s in shares if s["entry"].floor == 1]
    assert all(s["cents"] == 0 for s in ground)
    by_flat = {s["entry"].number: s["cents"] for s in shares}
    assert by_flat["602"] > by_flat["601"] > by_flat["201"] > 0  # higher and bigger pay more
    with pytest.raises(TransitionRefused):
        services.cost_set(campaign=campaign, actor=mediator, total_yuan="12.345", coefficients={})


def test_ballot_pages_and_scoping(client, campaign, mediator, outsider, agency_officer):
    client.force_login(mediator)
    for name in ("announce", "open"):
        campaign.refresh_from_db()
        client.post(
            reverse("consultation:ballot_transition", args=[campaign.pk, name]),
            {"version": campaign.version},
        )
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COLLECTING
    entry = campaign.electorate.get(number="302")
    response = client.post(
        reverse("consultation:ballot_vote", args=[campaign.pk]),
        {"entry": entry.pk, "choice": "object", "objection_reason": ""},
        follow=True,
    )
    assert "objection needs its reason" in response.content.decode()
    client.post(
        reverse("consultation:ballot_vote", args=[campaign.pk]),
        {"entry": entry.pk, "choice": "agree"},
    )
    assert entry.ballots.get().choice == "agree"
    page = client.get(reverse("consultation:ballot_detail", args=[campaign.pk])).content.decode()
    assert "Participation by area" in page and "Running count" in page
    paper = client.get(reverse("consultation:ballot_paper", args=[campaign.pk])).content.decode()
    assert paper.count('class="ballot-paper"') == 12 and str(entry.paper_code) in paper
    case_page = client.get(reverse("casework:case_detail", args=[campaign.case_id]))
    assert "1单元是否加装电梯" in case_page.content.decode()
    for user in (outsider, agency_officer):
        client.force_login(user)
        for url in (
            reverse("consultation:ballot_detail", args=[campaign.pk]),
            reverse("consultation:ballot_paper", args=[campaign.pk]),
        ):
            assert client.get(url).status_code == 404
        response = client.post(
            reverse("consultation:ballot_vote", args=[campaign.pk]),
            {"entry": entry.pk, "choice": "object", "objection_reason": "x"},
        )
        assert response.status_code == 404
    assert entry.ballots.get().choice == "agree"


def test_the_admin_shows_a_used_rule_set_read_only(admin_client, campaign):
    used = campaign.rule_set
    url = reverse("admin:consultation_ballotruleset_change", args=[used.pk])
    response = admin_client.post(url, {"name": "changed", "code": used.code, "version": 1})
    assert response.status_code == 403
    used.refresh_from_db()
    assert used.name != "changed"
    page = admin_client.get(url)
    assert page.status_code == 200 and b'name="name"' not in page.content
