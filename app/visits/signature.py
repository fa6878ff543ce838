"""The visited person's signature: a PNG drawn on the visitor's phone or tablet, read with
Pillow and kept only if it is a real, non-blank picture of a sensible size, re-encoded so that
what is stored is a plain PNG and nothing else."""
import base64
import binascii
from io import BytesIO

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from app.core.errors import InvalidInput

# A signature pad's PNG is a few kilobytes; a tablet at 3× scale stays far below these.
MAX_BYTES = 512 * 1024
MAX_SIDE = 4000
DATA_URL_PREFIX = "data:image/png;base64,"
# A pixel darker than this (on white) is ink.
INK_BELOW = 200


def _refuse(message):
    raise InvalidInput(message, {"signature": message})


def read_signature(value) -> bytes:
    """The PNG to store for `value` — PNG bytes or a data: URL as a canvas gives it — or
    InvalidInput when it is missing, not a PNG, too large, or blank."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            _refuse(_("The visited person must sign."))
        if not text.startswith(DATA_URL_PREFIX) or len(text) > MAX_BYTES * 4 // 3 + len(DATA_URL_PREFIX) + 4:
            _refuse(_("The signature could not be read; please sign again."))
        try:
            value = base64.b64decode(text[len(DATA_URL_PREFIX):], validate=True)
        except (binascii.Error, ValueError):
            _refuse(_("The signature could not be read; please sign again."))
    if not value:
        _refuse(_("The visited person must sign."))
    if not isinstance(value, bytes) or len(value) > MAX_BYTES:
        _refuse(_("The signature could not be read; please sign again."))
    try:
        with Image.open(BytesIO(value)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIDE or min(image.size) < 1:
                _refuse(_("The signature could not be read; please sign again."))
            drawing = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        _refuse(_("The signature could not be read; please sign again."))
    on_white = Image.new("RGBA", drawing.size, (255, 255, 255, 255))
    on_white.alpha_composite(drawing)
    ink = on_white.convert("L").point(lambda v: 255 if v < INK_BELOW else 0)
    if ink.getbbox() is None:
        _refuse(_("The signature is blank; the visited person must sign."))
    out = BytesIO()
    drawing.save(out, "PNG", optimize=True)
    return out.getvalue()
