"""Cleaning images sent as files: upright, no metadata, photo size, JPEG; non-images refused."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from child_report_bot.services.photos import PHOTO_SIDE, NotAnImage, blank_jpeg, clean_jpeg
from child_report_bot.ui.post_state import rough_place


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def test_orientation_applied_metadata_dropped_and_scaled():
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Pixel 9 Pro"
    exif[ExifTags.Base.Orientation] = 8
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    data = encoded(Image.new("RGB", (4000, 1000), "red"), "JPEG", exif=exif,
                   comment=b"home", icc_profile=b"\0" * 128)
    with Image.open(io.BytesIO(clean_jpeg(data))) as clean:
        assert clean.format == "JPEG" and clean.mode == "RGB"
        assert clean.size == (320, PHOTO_SIDE)          # turned upright, then scaled
        assert not clean.getexif() and set(clean.info) <= {"jfif", "jfif_version",
                                                           "jfif_unit", "jfif_density"}


def test_transparent_png_on_white_and_small_images_keep_their_size():
    data = encoded(Image.new("RGBA", (200, 100), (0, 0, 0, 0)), "PNG")
    with Image.open(io.BytesIO(clean_jpeg(data))) as clean:
        assert clean.size == (200, 100) and clean.getpixel((10, 10)) >= (250, 250, 250)


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00" * 100,                                         # an .exe
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"\xff\xd8\xff\xe0" + b"\0" * 50,                            # a JPEG header, nothing else
    b"",
])
def test_what_does_not_decode_is_not_an_image(data):
    with pytest.raises(NotAnImage):
        clean_jpeg(data)


def test_too_many_pixels_is_refused_before_decoding():
    data = encoded(Image.new("1", (10000, 7000)), "PNG")
    with pytest.raises(NotAnImage):
        clean_jpeg(data)


def test_blank_is_a_jpeg():
    with Image.open(io.BytesIO(blank_jpeg())) as blank:
        assert blank.format == "JPEG"


def test_rough_place_within_about_500_m():
    latitude, longitude = rough_place(35.6997, 51.3380)
    assert (latitude, longitude) == (35.7, 51.34)
    assert abs(latitude - 35.6997) <= 0.0025 and abs(longitude - 51.3380) <= 0.0025
