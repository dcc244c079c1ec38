"""Shared storage through an S3 API (moto's server, as MinIO / Aliyun OSS / Tencent COS
would answer): uploads and archived PDFs go to the bucket, come back only through the
permission-checked views, and the archive is verified by reading the bucket."""

from __future__ import annotations

import io
import uuid

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from weasyprint import HTML

from casework.models import CaseAttachment
from consultation.services.archive import register, verify
from tests.factories import make_case
from tests.servers import s3_url

pytestmark = pytest.mark.servers


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def bucket(settings):
    url = s3_url()
    name = f"linli-test-{uuid.uuid4().hex[:10]}"
    credentials = {
        "endpoint_url": url,
        "aws_access_key_id": "linli-test",
        "aws_secret_access_key": "linli-test-secret",
        "region_name": "us-east-1",
    }
    s3 = boto3.client("s3", **credentials)
    s3.create_bucket(Bucket=name)
    # The settings a deployment gets from LINLI_S3_* (config/settings.py).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": url,
                "region_name": "us-east-1",
                "access_key": "linli-test",
                "secret_key": "linli-test-secret",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield s3, name


def _keys(s3, name) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]


def test_evidence_goes_to_the_bucket_and_comes_back_only_through_the_view(
    bucket, client, world, mediator, outsider
):
    s3, name = bucket
    case = make_case(place=world.building_a, organisation=world.committee_a)
    case.assigned_officer = mediator
    case.save(update_fields=["assigned_officer"])
    client.force_login(mediator)
    upload = SimpleUploadedFile("现场照片.png", _png(), content_type="image/png")
    client.post(reverse("casework:attachment_upload", args=[case.pk]), {"file": upload})
    attachment = CaseAttachment.objects.get()
    assert _keys(s3, name) == [attachment.file.name]
    stored = s3.get_object(Bucket=name, Key=attachment.file.name)["Body"].read()
    url = reverse("casework:attachment_download", args=[case.pk, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200  # streamed by the app, not a redirect to the bucket
    assert b"".join(response.streaming_content) == stored
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_archive_is_verified_by_reading_the_bucket(bucket, mediator, capsys):
    s3, name = bucket
    pdf = HTML(string="<h1>Minutes</h1><p>Archived to object storage.</p>").write_pdf()
    record = register(pdf, title="Minutes", retention_years=10, actor=mediator)
    assert _keys(s3, name) == [record.file.name]
    assert s3.get_object(Bucket=name, Key=record.file.name)["Body"].read() == pdf
    assert verify() == (1, [])
    call_command("verify_archive")
    assert "1 archived files verified" in capsys.readouterr().out

    tampered = bytearray(pdf)
    tampered[len(tampered) // 2] ^= 0x01
    s3.put_object(Bucket=name, Key=record.file.name, Body=bytes(tampered))
    checked, findings = verify()
    assert checked == 1 and [f.problem for f in findings] == ["changed"]

    s3.delete_object(Bucket=name, Key=record.file.name)
    checked, findings = verify()
    assert checked == 1 and [f.problem for f in findings] == ["missing"]
