"""Residents' photos are stored without EXIF (GPS above all), upright, on every upload path:
staff evidence, a resident's added information, a ballot's proxy authorisation."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from casework import services
from casework.models import CaseAttachment, Status
from core.exceptions import TransitionRefused
from core.images import ImageRefused, strip_metadata
from tests.factories import make_case

GPS_IFD = 0x8825
ORIENTATION = 0x0112
RED, BLUE = (220, 20, 20), (20, 20, 220)


def phone_photo(orientation: int = 6) -> bytes:
    """A 40×20 JPEG as a phone writes it: red left half, blue right half, the sensor's
    rotation in the Orientation tag (6: turn 90° clockwise to view), and where it was
    taken — a flat in Shanghai — in the GPS block, besides the phone's make and model."""
    image = Image.new("RGB", (40, 20), RED)
    image.paste(Image.new("RGB", (20, 20), BLUE), (20, 0))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Huawei"  # Make
    exif[0x0110] = "P60 Pro"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (31.0, 12.0, 30.5)
    gps[3] = "E"
    gps[4] = (121.0, 26.0, 10.2)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95, comment=b"taken at home")
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries what we strip
        assert check.getexif().get_ifd(GPS_IFD)[2] == (31.0, 12.0, 30.5)
    return data


def assert_clean_and_upright(data: bytes):
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        assert "exif" not in stored.info and "comment" not in stored.info
        assert not stored.getexif()  # no tags at all: no GPS, no make, no orientation
        assert not stored.getexif().get_ifd(GPS_IFD)
        assert b"31.0" not in data and b"Huawei" not in data and b"taken at home" not in data
        # Turned as the phone meant it: 20 wide, 40 tall, the red half on top.
        assert stored.size == (20, 40)
        top, bottom = stored.convert("RGB").getpixel((10, 5)), stored.getpixel((10, 35))
    assert top[0] > 150 and top[2] < 100, top
    assert bottom[2] > 150 and bottom[0] < 100, bottom


def test_the_photo_fixture_itself_is_sideways_with_gps():
    with Image.open(io.BytesIO(phone_photo())) as raw:
        assert raw.size == (40, 20) and raw.getexif()[ORIENTATION] == 6


def test_staff_evidence_is_stored_without_gps_and_upright(
    client, world, mediator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    client.force_login(mediator)
    upload = SimpleUploadedFile("现场.jpg", phone_photo(), content_type="image/jpeg")
    client.post(reverse("casework:attachment_upload", args=[case.pk]), {"file": upload})
    attachment = CaseAttachment.objects.get()
    stored = attachment.file.read()
    assert_clean_and_upright(stored)
    # The recorded size and hash are those of the stored bytes, not of the upload.
    assert attachment.size == len(stored)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    served = client.get(reverse("casework:attachment_download", args=[case.pk, attachment.pk]))
    assert b"".join(served.streaming_content) == stored


def test_a_residents_added_photo_is_stored_without_gps(client, world, settings, tmp_path):
    from casework.portal import resident_add_information

    settings.MEDIA_ROOT = tmp_path
    case = make_case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    upload = SimpleUploadedFile("IMG_0042.JPG", phone_photo(), content_type="image/jpeg")
    resident_add_information(case=case, text="今晚又开始了", upload=upload)
    attachment = case.attachments.get()
    assert attachment.is_public and attachment.original_name == "IMG_0042.JPG"
    assert_clean_and_upright(attachment.file.read())


def test_a_proxy_authorisation_photo_is_stored_without_gps(world, mediator, settings, tmp_path):
    from consultation import services as ballot_services
    from tests.factories import BallotCampaignFactory, FlatFactory, PlaceFactory

    settings.MEDIA_ROOT = tmp_path
    case = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    unit = PlaceFactory(kind="stairwell", name="1单元", parent=world.building_a)
    FlatFactory(place=unit, number="101", floor=1, area_m2="60.00")
    campaign = BallotCampaignFactory(case=case, scope=unit, collecting=True)  # one flat
    ballot = ballot_services.ballot_record(
        campaign=campaign,
        actor=mediator,
        entry=campaign.electorate.get(),
        choice="agree",
        signer_kind="proxy",
        signer_name="代理人",
        proxy_upload=SimpleUploadedFile("委托书.jpg", phone_photo()),
    )
    assert ballot.proxy_content_type == "image/jpeg"
    assert_clean_and_upright(ballot.proxy_evidence.read())


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_every_camera_rotation_ends_upright(orientation):
    clean = strip_metadata(phone_photo(orientation), max_pixels=10**6)
    with Image.open(io.BytesIO(clean.data)) as stored:
        assert not stored.getexif()
        expected = (40, 20) if orientation in (1, 3) else (20, 40)
        assert stored.size == expected == (clean.width, clean.height)


def test_png_text_and_exif_chunks_are_dropped_and_transparency_kept():
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 31.2,121.4")
    info.add_text("Address", "3号楼502室")  # not Latin-1: an iTXt chunk
    exif = Image.Exif()
    exif[0x010F] = "Huawei"
    exif.get_ifd(GPS_IFD)[1] = "N"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, exif=exif, transparency=0)
    assert all(chunk in buffer.getvalue() for chunk in (b"tEXt", b"iTXt", b"eXIf"))
    clean = strip_metadata(buffer.getvalue(), max_pixels=10**6)
    assert clean.content_type == "image/png"
    assert not any(chunk in clean.data for chunk in (b"tEXt", b"iTXt", b"eXIf", b"Huawei"))
    with Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.info.get("transparency") == 0 and stored.getpixel((0, 0)) == 1


def test_a_photo_with_too_many_pixels_is_refused_before_decoding(
    world, mediator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.LINLI = {**settings.LINLI, "MAX_IMAGE_PIXELS": 500}
    case = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    upload = SimpleUploadedFile("big.jpg", phone_photo())  # 800 pixels
    with pytest.raises(TransitionRefused, match="too many pixels"):
        services.attachment_add(case=case, actor=mediator, upload=upload)
    assert not CaseAttachment.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_a_decompression_bomb_is_refused_not_decoded():
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")  # 400 megapixels, ~60 kB
    with pytest.raises(ImageRefused) as refused:
        strip_metadata(buffer.getvalue(), max_pixels=10**12)
    assert refused.value.reason == "too_large"


def test_a_truncated_jpeg_is_refused_as_damaged():
    with pytest.raises(ImageRefused):
        strip_metadata(phone_photo()[:300], max_pixels=10**6)
