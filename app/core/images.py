"""Uploaded images (need photos, progress photos, logos): checked, then re-encoded clean.

Re-encoding drops whatever else the file carried, including the EXIF location of phone
photos, and a file that only claims to be an image never reaches storage.
"""

import io

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError


class ImageRejected(ValueError):
    """The upload is not an acceptable image; the message is for the user."""


def reencode(data: bytes, *, max_bytes: int, max_pixels: int, max_side: int, output: str) -> bytes:
    """Check a JPEG or PNG upload and re-encode it as ``output`` ("JPEG": flattened on white; "PNG": keeps alpha)."""
    if not data:
        raise ImageRejected(_l("Choose an image file."))
    if len(data) > max_bytes:
        raise ImageRejected(_l("The image is larger than %(size)s MB.", size=max_bytes // (1024 * 1024)))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRejected(_l("The file is not a JPEG or PNG image.")) from exc
    if kind not in ("PNG", "JPEG"):
        raise ImageRejected(_l("Only JPEG and PNG images are accepted."))
    if width * height > max_pixels:
        raise ImageRejected(_l("The image has too many pixels."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGBA")
            if output == "JPEG":
                flat = Image.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            image.save(out, format=output, optimize=True, **({"quality": 85} if output == "JPEG" else {}))
    except (OSError, SyntaxError, ValueError) as exc:  # truncated data that passed verify()
        raise ImageRejected(_l("The file is not a JPEG or PNG image.")) from exc
    return out.getvalue()
