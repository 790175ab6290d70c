"""Images sent as files, made safe: decoded, turned upright, stripped of metadata, re-encoded.

A file a citizen sends keeps whatever their phone wrote into it (GPS position, device model,
time). Nothing of it may reach staff or volunteers, so the bytes are decoded with Pillow and a
new JPEG is written from the pixels alone; what Pillow cannot decode is not an image, whatever
its name or declared type says.
"""

from __future__ import annotations

import asyncio
import io
import logging

from PIL import Image, ImageOps, UnidentifiedImageError
from telegram import Bot, Document
from telegram.error import BadRequest

logger = logging.getLogger(__name__)

# Telegram's getFile serves files up to 20 MB; larger ones can never be fetched.
MAX_DOWNLOAD = 20 * 1024 * 1024
# The longest side of the largest size Telegram itself keeps of a photo.
PHOTO_SIDE = 1280
JPEG_QUALITY = 85
# Far above any camera, far below what would exhaust memory while decoding.
MAX_PIXELS = 60_000_000


class NotAnImage(Exception):
    """The file does not decode as an image."""


class TooBig(Exception):
    """The file is over Telegram's download limit."""


def clean_jpeg(data: bytes) -> bytes:
    """Decode ``data``, apply its orientation, drop all metadata, scale and re-encode as JPEG."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise NotAnImage("too many pixels")
            # JPEG can decode straight at a fraction of its size: far quicker for camera photos.
            image.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError) as exc:  # Pillow reports a broken file with any of these
        raise NotAnImage(str(exc)) from None
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        upright = Image.alpha_composite(background, rgba)
    rgb = upright.convert("RGB")
    rgb.thumbnail((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    # A fresh image from the pixels alone: no info dict, no EXIF, XMP, ICC or comment to carry.
    bare = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


async def fetch_clean(bot: Bot, document: Document) -> bytes:
    """Download a document within the 20 MB limit and return it as a clean JPEG."""
    if document.file_size is not None and document.file_size > MAX_DOWNLOAD:
        raise TooBig()
    try:
        file = await bot.get_file(document.file_id)
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            raise TooBig() from None
        raise
    if file.file_size is not None and file.file_size > MAX_DOWNLOAD:
        raise TooBig()
    data = bytes(await file.download_as_bytearray())
    if len(data) > MAX_DOWNLOAD:
        raise TooBig()
    # Decoding is CPU work: off the event loop, so other people's updates are not held up.
    return await asyncio.to_thread(clean_jpeg, data)


def blank_jpeg() -> bytes:
    """A plain grey picture, to put in place of a photo that can no longer be deleted."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 200, 200)).save(out, format="JPEG")
    return out.getvalue()
