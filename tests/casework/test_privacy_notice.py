"""The personal-information notice at collection (PIPL Art. 17; #27): on the resident's
form and the staff intake, in the reader's language, stating what the settings govern;
each case records the notice version it was registered under."""

from django.urls import reverse

from casework import privacy
from casework.models import Case
from tests.casework.test_portal import _submit_data
from tests.casework.test_workspace import _intake_post

ZH = {"accept-language": "zh-hans"}


def test_the_resident_form_shows_the_notice_in_chinese(client, world, settings):
    settings.LINLI = {
        **settings.LINLI,
        "PII_RETENTION_DAYS": {"contact": 2 * 365, "identity": 4 * 365},
        "PRIVACY_CONTACT": "新华路街道办事处 021-62345678",
    }
    page = client.get(reverse("portal:submit"), headers=ZH).content.decode()
    assert "个人信息处理告知" in page
    for fact in ("用途", "收集哪些信息", "谁能看到", "保存多久", "您的权利"):
        assert fact in page
    assert "结案后保存 2 年" in page and "姓名保存 4 年" in page
    assert "新华路街道办事处 021-62345678" in page
    assert f"告知版本 {privacy.NOTICE_VERSION}" in page


def test_the_notice_is_in_english_for_an_english_reader(client, world):
    page = client.get(reverse("portal:submit"), headers={"accept-language": "en"}).content
    assert "How we handle your personal information" in page.decode()


def test_the_staff_intake_shows_the_notice(client, world, mediator):
    client.force_login(mediator)
    page = client.get(reverse("casework:case_new"), headers=ZH).content.decode()
    assert "个人信息处理告知" in page and "居委会" in page


def test_a_case_records_the_notice_version_it_was_registered_under(client, world, mediator):
    response = client.post(reverse("portal:submit"), _submit_data(world))
    assert response.status_code == 302
    assert Case.objects.get().privacy_notice_version == privacy.NOTICE_VERSION
    client.force_login(mediator)
    client.post(reverse("casework:case_new"), _intake_post(world))
    assert (
        list(Case.objects.values_list("privacy_notice_version", flat=True))
        == [privacy.NOTICE_VERSION] * 2
    )
