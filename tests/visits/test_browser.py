"""On a phone, as a visitor would: customer service opens a recorded door-to-door visit in
headless Chromium at 390×844, hands over the phone, the resident draws their signature on the
canvas with a finger (a mouse here) and types their name, and the visit is signed off with the
drawing stored as a non-empty PNG."""
from io import BytesIO

import pytest
from PIL import Image

from app.core.extensions import db
from app.visits import rules
from app.visits.enums import Confirmation, VisitStatus
from app.visits.models import Visit

from ..complaints.test_browser import browser, log_in  # noqa: F401  (the shared Chromium fixture)
from .conftest import PHONE_RECORD

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_a_resident_signs_off_a_visit_on_a_phone_with_a_drawn_signature(browser, live_server, planned_visit,  # noqa: F811
                                                                        visit_actor):
    _, visit = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, dict(PHONE_RECORD, method="DOOR_TO_DOOR"))
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    problems = []
    # Script errors, CSP refusals, and anything of ours that fails to load (the browser's own
    # favicon request is not ours).
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    log_in(page, base, "cs")
    page.goto(f"{base}/visits/show/{visit.id}")
    assert "被回访人签名确认" in page.content()
    page.click("#start-sign-off")
    page.wait_for_selector("#signature-pad")
    box = page.locator("#signature-pad").bounding_box()
    assert box["width"] <= PHONE["width"] and box["width"] > 300  # the pad fills the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways

    page.fill("#f-signer_name", "王秀英")
    page.click("#sign-off-submit")  # nothing drawn yet: the page itself says so, and sends nothing
    assert page.locator("#signature-missing").is_visible() and "/action/sign_off/" in page.url
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 150)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(x + 30 + step * 18, y + 150 - (step % 5) * 22, steps=3)
    page.mouse.up()
    page.click("#sign-off-submit")
    page.wait_for_url(f"**/visits/show/{visit.id}")
    assert "已签名确认" in page.inner_text("#visit-status")
    assert page.locator("img.signature-image").evaluate("img => img.naturalWidth") > 0

    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    assert stored.status == VisitStatus.COMPLETED and stored.confirmation == Confirmation.SIGNATURE
    assert stored.signer_name == "王秀英"
    with Image.open(BytesIO(stored.signature_png)) as image:
        assert image.format == "PNG" and image.width >= 300
        assert image.getchannel("A").getbbox() is not None  # ink, not a blank canvas
    assert problems == []
