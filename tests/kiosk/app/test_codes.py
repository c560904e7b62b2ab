"""The codes on the result screen: inline SVG that scales, has a name for screen readers, and holds the right
payload (read back in the browser tests, where Chromium draws them)."""

from __future__ import annotations

import re

import numpy as np
import zxingcpp

from kiosk.app.codes import card_qr_text, ean13_svg, enrollment_qr_text, qr_svg
from kiosk.outbox import new_provisional_number
from kiosk.payloads import CardNumber, Enrollment, MemberCode, parse_payload

NUMBER = "2912345678906"
TOKEN = "x" * 43


def test_a_qr_code_is_inline_svg_with_a_view_box_and_an_escaped_name() -> None:
    svg = str(qr_svg("CORSIA:M:" + NUMBER, 'Il QR "della" <carta>'))
    assert svg.startswith("<svg viewBox=")
    assert svg.endswith("</svg>")
    assert "<?xml" not in svg
    assert "DOCTYPE" not in svg
    assert "<desc>" not in svg
    assert "width=" not in svg.split(">")[0]
    assert 'role="img"' in svg
    assert 'aria-label="Il QR &quot;della&quot; &lt;carta&gt;"' in svg
    size = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert size is not None
    assert size.group(1) == size.group(2)


def test_the_barcode_is_an_ean13_of_the_number() -> None:
    svg = str(ean13_svg(NUMBER, "barcode"))
    assert 'class="barcode"' in svg
    # Drawn by the same writer as an image, it reads back as the number.
    image = np.asarray(zxingcpp.create_barcode(NUMBER, zxingcpp.BarcodeFormat.EAN13).to_image(scale=3))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [NUMBER]


def test_what_the_qr_codes_hold_is_what_the_kiosk_and_the_app_read() -> None:
    assert parse_payload(card_qr_text(NUMBER)) == MemberCode(NUMBER)
    provisional = new_provisional_number()
    assert parse_payload(card_qr_text(provisional)) == CardNumber(provisional)
    link = enrollment_qr_text(TOKEN, "https://negozio.example.it/app/")
    # The phone's camera opens the wallet app's enrollment page; the token rides in the fragment, never sent.
    assert link == f"https://negozio.example.it/app/enroll#{TOKEN}"
    assert parse_payload(link) == Enrollment(TOKEN)
    assert parse_payload(enrollment_qr_text(TOKEN, "http://127.0.0.1:8000/app")) == Enrollment(TOKEN)
