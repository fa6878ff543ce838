"""The visited person's signature is kept only as a real, non-blank PNG of a sensible size,
re-encoded so that nothing but the picture is stored."""
import base64
from io import BytesIO

import pytest
from PIL import Image

from app.core.errors import InvalidInput
from app.visits.signature import MAX_BYTES, read_signature

from .conftest import data_url, signature_png


def test_a_drawn_signature_is_kept_as_a_plain_png_with_its_ink():
    stored = read_signature(data_url(signature_png()))
    with Image.open(BytesIO(stored)) as image:
        assert image.format == "PNG" and image.size == (300, 120)
        assert image.getchannel("A").getbbox() is not None
    assert read_signature(signature_png()) == stored  # raw bytes read the same


def test_metadata_smuggled_into_the_png_is_not_stored():
    image = Image.open(BytesIO(signature_png()))
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    out = BytesIO()
    image.save(out, "PNG", pnginfo=info)
    assert b"<script>" in out.getvalue() and b"<script>" not in read_signature(out.getvalue())


@pytest.mark.parametrize("value", [
    None, "", "   ", b"", data_url(signature_png(blank=True)), "data:image/png;base64,not base64!",
    "data:image/jpeg;base64," + base64.b64encode(signature_png()).decode(), "https://example.com/sig.png",
    data_url(b"GIF89a" + b"\x00" * 20), data_url(signature_png()[:60]), data_url(signature_png(size=(5000, 10))),
    "data:image/png;base64," + "A" * (MAX_BYTES * 2), 12345,
])
def test_anything_but_a_real_non_blank_png_is_refused(value):
    with pytest.raises(InvalidInput) as refused:
        read_signature(value)
    assert "signature" in refused.value.fields
