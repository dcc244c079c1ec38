"""One person-name rule everywhere (core.names): a Chinese name is family name first with
no space — never "晓燕 张" — on pages, in the archived minutes (read back with
pdftotext), in exports and in the event log."""

import subprocess

from django.urls import reverse

from casework import services as case_services
from tests.factories import MeetingFactory, MinutesFactory

WESTERN = "晓燕 张"
CHINESE = "张晓燕"


def _chinese(user):
    user.first_name, user.last_name = "晓燕", "张"
    user.save()
    return user


def test_no_western_order_on_the_page_in_the_export_or_in_the_archived_minutes(
    client, case, mediator, supervisor, tmp_path
):
    _chinese(mediator)
    colleague_case = case_services.case_assign(case=case, officer=supervisor, actor=supervisor)
    case = case_services.case_assign(case=colleague_case, officer=mediator, actor=supervisor)
    meeting = MeetingFactory(case=case, held=True)
    minutes = MinutesFactory(meeting=meeting, approved=True)
    assert minutes.snapshot["approved_by"] == CHINESE  # frozen in Chinese order
    path = tmp_path / "minutes.pdf"
    path.write_bytes(minutes.archive_record.file.read())
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    client.force_login(supervisor)
    for lang in ("en", "zh-hans"):
        page = client.get(
            reverse("casework:case_detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=lang
        ).content.decode()
        assert CHINESE in page and WESTERN not in page
    export = client.get(reverse("casework:export_cases", args=["csv"]))
    exported = b"".join(export.streaming_content if export.streaming else [export.content])
    assert CHINESE in exported.decode("utf-8-sig") and WESTERN not in exported.decode("utf-8-sig")
    assert CHINESE in pdf_text.replace(" ", "") and WESTERN not in pdf_text
