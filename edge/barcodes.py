"""Drawing the codes a member shows: QR codes, the EAN-13 of the member number and Code 128 for the tills.

zxing-cpp's writer makes the SVG. Both the kiosk (its result screen) and the hub (the wallet app's digital card)
draw codes, so the drawing is here, once; each caller wraps the markup as its page needs. The QR codes include
their quiet zone, which a phone's camera needs.
"""

from __future__ import annotations

import re
from html import escape
from typing import Final

import zxingcpp

MEMBER_QR_PREFIX: Final = "CORSIA:M:"
"""The member QR's scheme (see ``kiosk.payloads``): the kiosk reads it back as this member."""

_PROLOGUE: Final = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_SIZE: Final = re.compile(r'<svg width="(\d+)" height="(\d+)"')
_DESC: Final = re.compile(r"<desc>.*?</desc>\s*", re.DOTALL)


def member_qr_text(number: str) -> str:
    """What a member QR holds for the member number `number` (not checked here: see ``kiosk.payloads``)."""
    return MEMBER_QR_PREFIX + number


def scalable(svg: str, label: str, css_class: str) -> str:
    """zxing-cpp's `svg` as an inline element: no XML prologue, a viewBox instead of a fixed size, a name for
    screen readers. The only text put into it, `label` and `css_class`, is escaped."""
    svg = _DESC.sub("", _PROLOGUE.sub("", svg, count=1))
    svg = _SIZE.sub(
        lambda m: (
            f'<svg viewBox="0 0 {m[1]} {m[2]}" class="{escape(css_class)}" '
            f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges" '
            'preserveAspectRatio="xMidYMid meet"'
        ),
        svg,
        count=1,
    )
    return svg.strip()


def qr_svg(text: str, label: str, css_class: str = "qr") -> str:
    """A QR code holding `text` (error correction M: survives a scratched phone screen)."""
    made = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return scalable(made.to_svg(), label, css_class)


def ean13_svg(number: str, label: str, css_class: str = "barcode") -> str:
    """An EAN-13 barcode of `number` (13 digits with a valid check digit)."""
    return scalable(zxingcpp.create_barcode(number, zxingcpp.BarcodeFormat.EAN13).to_svg(), label, css_class)


def code128_svg(text: str, label: str, css_class: str = "barcode") -> str:
    """A Code 128 barcode of `text` (what most tills' scanners read by default)."""
    return scalable(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128).to_svg(), label, css_class)
