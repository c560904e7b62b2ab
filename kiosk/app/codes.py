"""The codes the kiosk draws: the digital card (a QR code and an EAN-13 barcode) and the app's enrollment QR.

`edge.barcodes` draws them; here they become markup inlined in the page (no image request, nothing cached on
disk), scaled with CSS, with an accessible name.
"""

from __future__ import annotations

from markupsafe import Markup

from edge import barcodes
from kiosk.payloads import format_enrollment_link, format_member_qr, is_member_number


def qr_svg(text: str, label: str) -> Markup:
    """A QR code holding `text`."""
    return Markup(barcodes.qr_svg(text, label))  # zxing-cpp's SVG; the label is escaped by edge.barcodes


def ean13_svg(number: str, label: str) -> Markup:
    """An EAN-13 barcode of `number` (13 digits with a valid check digit), for the tills' scanners."""
    return Markup(barcodes.ean13_svg(number, label))


def card_qr_text(number: str) -> str:
    """What the digital card's QR holds: the member QR for a member number; the bare number for a
    provisional one (read as a card number, which it becomes at the hub once synced)."""
    return format_member_qr(number) if is_member_number(number) else number


def enrollment_qr_text(token: str, app_url: str) -> str:
    """The enrollment QR: the wallet app's enrollment link, which the phone's camera opens."""
    return format_enrollment_link(token, app_url)
