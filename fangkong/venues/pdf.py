"""场所码 poster: an A4 PDF with the venue's name and the QR code of its public scan URL.

Drawn with ``core.pdf`` (CID font STSong-Light, segno's matrix as vector squares), so it
prints sharp at any size and needs no font file.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from fangkong.core.pdf import (
    cjk_font,
    draw_lines,
    draw_qr,
    finish_pdf,
    fit,
    printed_in_platform_language,
    qr_svg,
    start_pdf,
    wrap,
)

from .models import Venue

__all__ = ["qr_svg", "render_poster", "scan_path"]


def scan_path(venue: Venue) -> str:
    return reverse("venues:public_scan", args=[venue.code])


@printed_in_platform_language
def render_poster(venue: Venue, *, base_url: str) -> bytes:
    font = cjk_font()
    width, height = A4
    buf, c = start_pdf(A4, str(_("场所码")) + " " + venue.name)
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 40 * mm, str(_("场所码")))
    # A long name shrinks, then takes two lines; the address shrinks, then is cut: neither
    # may run off the paper or into the code.
    text_width = width - 30 * mm
    size = fit(venue.name, font, 24, text_width, smallest=16)
    name_lines = wrap(venue.name, font, size, text_width, max_lines=2)
    draw_lines(
        c,
        name_lines,
        font=font,
        size=size,
        x=width / 2,
        y=height - (58 if len(name_lines) == 1 else 54) * mm,
        width=text_width,
        leading=size * 1.25,
        centred=True,
    )
    address = venue.address or venue.area.name
    size = fit(address, font, 13, text_width, smallest=9)
    draw_lines(
        c,
        wrap(address, font, size, text_width, max_lines=1),
        font=font,
        size=size,
        x=width / 2,
        y=height - 70 * mm,
        width=text_width,
        leading=size,
        centred=True,
    )
    size = 120 * mm
    url = f"{base_url.rstrip('/')}{scan_path(venue)}"
    draw_qr(c, url, (width - size) / 2, height - 80 * mm - size, size)
    c.setFont(font, 16)
    lines = [_("进入请扫码登记，出示绿码通行")]
    if venue.measures_temperature:
        lines.append(_("请配合测温，体温异常者请勿进入"))
    if venue.capacity:
        lines.append(_("本场所限流 %(n)s 人") % {"n": venue.capacity})
        # The count inside only comes down with exits: without them the venue reached its
        # limit by the afternoon and refused everyone.
        lines.append(_("离开时请再次扫码，点击“登记离开”"))
    y = height - 95 * mm - size
    for line in lines:
        c.drawCentredString(width / 2, y, str(line))
        y -= 10 * mm
    c.setFont(font, 10)
    c.drawCentredString(width / 2, 15 * mm, url)
    return finish_pdf(buf, c)
