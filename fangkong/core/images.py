"""Uploaded photos: checked by their content, bounded in size, re-encoded without metadata.

A photo is accepted only if Pillow decodes it as JPEG, PNG or WebP within the byte and pixel
limits. It is then re-encoded (JPEG, or PNG when it has transparency), which drops EXIF data
such as the GPS position of a tip-giver's phone and anything smuggled after the image data.
Files go under ``MEDIA_ROOT`` (``var/media``), which no URL serves: each app serves a photo
through a view that checks the signed-in user's scope.
"""

from __future__ import annotations

import io
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # about 7,000 × 6,000: bigger is a decompression bomb, not a photo
MAX_SIDE = 2560  # stored photos are scaled down to this: enough to read a notice on a wall


def max_photo_bytes() -> int:
    return int(getattr(settings, "FANGKONG_MAX_PHOTO_BYTES", 8 * 1024 * 1024))


def clean_photo(upload) -> ContentFile:
    """The re-encoded image of ``upload`` or a ``ValidationError`` in Chinese."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = max_photo_bytes()
    if upload is None or upload.size == 0:
        raise ValidationError(_("照片文件为空"))
    if upload.size > limit:
        size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 2**10} KB"
        raise ValidationError(_("照片不能超过 %(size)s") % {"size": size}, code="too_large")
    upload.seek(0)
    data = upload.read(limit + 1)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(_("只能上传 JPG、PNG 或 WebP 格式的照片"), code="format")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("照片像素过大"), code="pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            transparent = img.mode in ("RGBA", "LA") or (
                img.mode == "P" and "transparency" in img.info
            )
            if transparent:
                img.save(out, format="PNG", optimize=True)
                ext = "png"
            else:
                img.convert("RGB").save(out, format="JPEG", quality=85)
                ext = "jpg"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("文件不是有效的图片"), code="invalid") from None
    name = f"{timezone.now():%Y%m}/{secrets.token_hex(16)}.{ext}"
    return ContentFile(out.getvalue(), name=name)


def content_type_of(name: str) -> str:
    return "image/png" if name.endswith(".png") else "image/jpeg"
