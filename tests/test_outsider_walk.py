"""Every URL pattern, walked by outsiders with the real ids of another area's records:
a mediator of area B and an officer of another police station get nothing of area A's
cases, referrals, attachments, meetings, minutes, ballots or archive — only 404/403/405,
or their own (empty) lists."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework import services as case_services
from casework.models import Case, OrgKind, Status
from casework.roles import Role
from consultation import services as meeting_services
from consultation.models import ElectorateImport, Owner, OwnerMergeProposal
from tests.factories import (
    BallotCampaignFactory,
    FlatFactory,
    MediationFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    OrganisationFactory,
    ReferralFactory,
    UserFactory,
    make_case,
)
from tests.urlwalk import PUBLIC, routes

SECRET = "秘密描述：三号楼某住户的私事"
# Pages any signed-in user may open; they list only the user's own things.
OWN_LISTS = {
    "casework:home",
    "casework:case_list",
    "casework:case_new",
    "casework:inbox",
    "casework:waiting",  # what waits for the user (their own cases and referrals)
    "casework:grid_patrol",  # a grid worker's own cells (403 for anyone else)
    "consultation:meeting_list",
    "consultation:meeting_new",
    "consultation:ballot_new",
    "consultation:archive_list",
    "consultation:mediation_list",
    "consultation:owner_merges",
    # Reports and exports of the user's own area (the exports are scanned for secrets too).
    "casework:reports",
    "casework:export_cases",
    "casework:export_report",
    "casework:report_pdf",
    "casework:my_exports",
    # The user's own organisation's requests about personal information (#27).
    "casework:rights_list",
    "logout",
    # The user's own two-factor sign-in (set-up, code, recovery codes): nothing of others'.
    "two_factor:overview",
    "two_factor:setup",
    "two_factor:verify",
    "two_factor:recovery_codes",
    # The user's own profile (their display name): nothing of others'.
    "profile",
}


@pytest.fixture
def area_a(world, mediator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from tests.casework.test_workspace import _png

    case = make_case(
        Status.WAITING,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        description=SECRET,
    )
    referral = ReferralFactory(case=case, organisation=world.police)
    attachment = case_services.attachment_add(
        case=case,
        actor=mediator,
        upload=SimpleUploadedFile("p.png", _png(), content_type="image/png"),
        public=True,
    )
    meeting = MeetingFactory(case=case, held=True, topic=SECRET, invitees=1)
    follow_up = meeting_services.follow_up_add(
        meeting=meeting,
        actor=mediator,
        text=SECRET,
        organisation=world.committee_a,
        due_date=timezone.localdate(),
    )
    minutes = MinutesFactory(meeting=meeting, approved=True)
    FlatFactory(place=world.building_a, number="101", floor=1, area_m2="60.00")
    campaign = BallotCampaignFactory(case=case, title=SECRET, scope=world.building_a)
    imported = ElectorateImport.objects.create(
        campaign=campaign, file_name="register.csv", rows=[], uploaded_by=mediator
    )
    notice = meeting_services.meeting_result_post(meeting=meeting, actor=mediator, summary=SECRET)
    objection = meeting_services.objection_record(
        publicity=notice, actor=mediator, name=SECRET, flat="101", text=SECRET
    )
    twin = [Owner.objects.create(kind="person", name=SECRET) for _ in range(2)]
    merge = OwnerMergeProposal.objects.create(building=world.building_a, name=SECRET)
    merge.owners.set(twin)
    # A mediation is only opened on an open case: register it, then let the case wait.
    Case.objects.filter(pk=case.pk).update(status=Status.IN_PROGRESS)
    mediation = MediationFactory(case=case, matters=SECRET, with_parties=False)
    Case.objects.filter(pk=case.pk).update(status=Status.WAITING)
    # A spreadsheet the mediator exported (a finished background job with its file).
    from casework.exports import XLSX_JOB
    from core import jobs

    export = jobs.enqueue(XLSX_JOB, {"user": mediator.pk, "filters": "", "lang": "zh-hans"})
    export.created_by = mediator
    export.save(update_fields=["created_by"])
    assert jobs.run(export.pk) == "done"
    from casework import rights

    rights_request = rights.receive(
        actor=mediator,
        organisation=world.committee_a,
        kind="copy",
        name=SECRET,
        phone="13812345678",
        identity_checked="居民身份证原件",
    )
    return {
        "rights": rights_request.pk,
        "export": export.pk,
        "mediation": mediation.pk,
        "mediation_number": mediation.number,
        "case": case.pk,
        "referral": referral.pk,
        "attachment": attachment.pk,
        "meeting": meeting.pk,
        "follow_up": follow_up.pk,
        "minutes": minutes.pk,
        "ballot": campaign.pk,
        "import": imported.pk,
        "publicity": notice.pk,
        "objection": objection.pk,
        "merge": merge.pk,
        "archive": minutes.archive_record.pk,
        "reference": case.reference,
        "archival_number": minutes.archive_record.archival_number,
    }


def test_outsiders_get_nothing_of_another_areas_records(client, world, area_a, outsider):
    station = OrganisationFactory(name="天平路派出所", kind=OrgKind.POLICE_STATION)
    stranger = UserFactory(username="stranger_agency")
    MembershipFactory(user=stranger, organisation=station, role=Role.AGENCY_OFFICER)
    secrets = [
        SECRET,
        area_a["reference"],
        area_a["archival_number"],
        area_a["mediation_number"],
    ]
    checked = 0
    for user in (outsider, stranger):
        client.force_login(user)
        for route in routes():
            name = route.name
            if name in PUBLIC:
                continue
            path = route.path(area_a)
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                if name.startswith("api:"):
                    # Token-only (401) or, for the docs, supervisors and integration staff
                    # only (403 for a mediator of a committee without an API token).
                    assert response.status_code in (401, 403, 405), (name, response.status_code)
                elif name in OWN_LISTS and response.status_code in (200, 302):
                    assert not any(s.encode() in body for s in secrets), (user, name, method)
                else:
                    assert response.status_code in (403, 404, 405), (
                        user.username,
                        name,
                        method,
                        path,
                        response.status_code,
                    )
                checked += 1
            client.force_login(user)  # logout may have been walked
    assert checked > 150


def test_the_walk_uses_real_ids_that_insiders_can_open(client, area_a, mediator, agency_officer):
    """Guards the walk above: the same filled-in paths answer 200 to the right people."""
    walk = {route.name: route for route in routes()}
    client.force_login(mediator)
    for name in (
        "casework:case_detail",
        "casework:attachment_download",
        "consultation:meeting_detail",
        "consultation:minutes_detail",
        "consultation:ballot_detail",
        "consultation:archive_download",
        "consultation:mediation_detail",
        "consultation:dossier_pdf",
        "casework:my_export_download",
        "consultation:meeting_notice_pdf",
        "casework:case_receipt_pdf",
    ):
        assert client.get(walk[name].path(area_a)).status_code == 200, name
    client.force_login(agency_officer)
    for name in ("casework:inbox_detail", "casework:inbox_attachment"):
        assert client.get(walk[name].path(area_a)).status_code == 200, name


def test_the_security_record_is_closed_to_everyone_but_supervisors(
    client, area_a, outsider, mediator, agency_officer, property_manager
):
    from core.models import SecurityEvent

    SecurityEvent.objects.create(
        kind="login_failed", username="someone-else", address="203.0.113.77"
    )
    for user in (outsider, mediator, agency_officer, property_manager):
        client.force_login(user)
        response = client.get("/reports/security/", {"address": "203.0.113."})
        assert response.status_code == 403, user.username
        assert b"203.0.113.77" not in response.content and b"someone-else" not in response.content
