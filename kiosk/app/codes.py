"""The codes the kiosk draws: the digital card (a QR code and an EAN-13 barcode) and the app's enrollment QR.

zxing-cpp's writer makes the SVG; it is inlined in the page (no image request, nothing cached on disk) and
made to scale with CSS, with an accessible name. The QR codes include their quiet zone, which a phone's
camera needs.
"""

from __future__ import annotations

import re
from typing import Final

import zxingcpp
from markupsafe import Markup, escape

from kiosk.payloads import format_enrollment_qr, format_member_qr, is_member_number

_PROLOGUE: Final = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_SIZE: Final = re.compile(r'<svg width="(\d+)" height="(\d+)"')
_DESC: Final = re.compile(r"<desc>.*?</desc>\s*", re.DOTALL)


def _inline(svg: str, label: str, css_class: str) -> Markup:
    """`svg` as an inline element: no XML prologue, a viewBox instead of a fixed size, a name for screen
    readers."""
    svg = _DESC.sub("", _PROLOGUE.sub("", svg, count=1))
    svg = _SIZE.sub(
        lambda m: (
            f'<svg viewBox="0 0 {m[1]} {m[2]}" class="{escape(css_class)}" role="img" aria-label="{escape(label)}" '
            'shape-rendering="crispEdges" preserveAspectRatio="xMidYMid meet"'
        ),
        svg,
        count=1,
    )
    # zxing-cpp's own SVG; the only text put into it (the label) is escaped above.
    return Markup(svg.strip())


def qr_svg(text: str, label: str) -> Markup:
    """A QR code holding `text` (error correction M: survives a scratched phone screen)."""
    return _inline(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_svg(), label, "qr")


def ean13_svg(number: str, label: str) -> Markup:
    """An EAN-13 barcode of `number` (13 digits with a valid check digit), for the tills' scanners."""
    return _inline(zxingcpp.create_barcode(number, zxingcpp.BarcodeFormat.EAN13).to_svg(), label, "barcode")


def card_qr_text(number: str) -> str:
    """What the digital card's QR holds: the member QR for a member number; the bare number for a
    provisional one (read as a card number, which it becomes at the hub once synced)."""
    return format_member_qr(number) if is_member_number(number) else number


def enrollment_qr_text(token: str) -> str:
    return format_enrollment_qr(token)
