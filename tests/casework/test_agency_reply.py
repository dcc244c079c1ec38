"""The agency's side: a reply carries site photos and files (checked, EXIF stripped),
the inbox shows the estate and building, what waits and what is overdue, and sign-for
comes before the request to return."""

import datetime as dt
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseAttachment, ReferralStatus, Status
from tests.casework.test_photo_metadata import assert_clean_and_upright, phone_photo
from tests.factories import ReferralFactory, make_case


def _referral(world, mediator, **kwargs):
    case = make_case(
        Status.WAITING,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    return ReferralFactory(case=case, organisation=world.police, **kwargs)


def test_a_reply_carries_site_photos_without_gps(
    client, world, mediator, agency_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    referral = _referral(world, mediator, status=ReferralStatus.SIGNED_FOR)
    client.force_login(agency_officer)
    photo = SimpleUploadedFile("现场.jpg", phone_photo(), content_type="image/jpeg")
    response = client.post(
        reverse("casework:inbox_transition", args=[referral.pk, "send_reply"]),
        {"version": referral.version, "reply": "已到场，责令停工。", "files": [photo]},
        follow=True,
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REPLIED
    attachment = CaseAttachment.objects.get(referral=referral)
    assert attachment.uploaded_by == agency_officer and not attachment.is_public
    assert_clean_and_upright(attachment.file.read())
    page = response.content.decode()
    assert "现场.jpg" in page and "Saved." in page
    # The street sees it on the case page.
    client.force_login(mediator)
    case_page = client.get(reverse("casework:case_detail", args=[referral.case_id]))
    assert "现场.jpg" in case_page.content.decode()


def test_a_reply_with_a_file_that_is_not_a_photo_is_refused_whole(
    client, world, mediator, agency_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    referral = _referral(world, mediator, status=ReferralStatus.SIGNED_FOR)
    client.force_login(agency_officer)
    fake = SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    response = client.post(
        reverse("casework:inbox_transition", args=[referral.pk, "send_reply"]),
        {"version": referral.version, "reply": "已处理", "files": [fake]},
        follow=True,
    )
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED_FOR  # nothing of the reply was kept
    assert not CaseAttachment.objects.exists() and not list(tmp_path.rglob("*.jpg"))


def test_the_inbox_shows_estate_and_building_what_waits_and_overdue(
    client, world, mediator, agency_officer
):
    late = _referral(world, mediator, sign_due=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(agency_officer)
    page = client.get(reverse("casework:inbox")).content.decode()
    assert "幸福小区 / 3号楼" in page
    assert '<tr class="overdue">' in page
    assert re.search(r'To sign for\s*<span class="count">1</span>', page)
    detail = client.get(reverse("casework:inbox_detail", args=[late.pk])).content.decode()
    assert detail.index("/transition/sign_for/") < detail.index("/transition/request_return/")
