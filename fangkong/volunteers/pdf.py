"""志愿服务证书 PDF (drawing helpers: ``core.pdf``)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm

from fangkong.core.pdf import (
    cjk_font,
    draw_lines,
    finish_pdf,
    printed_in_platform_language,
    start_pdf,
)

from .models import Volunteer


@printed_in_platform_language
def render_certificate(volunteer: Volunteer, total_hours: Decimal, *, issuer: str) -> bytes:
    font = cjk_font()
    width, height = landscape(A5)
    buf, c = start_pdf((width, height), str(_("志愿服务证书")))
    c.setLineWidth(2)
    c.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm)
    c.setFont(font, 24)
    c.drawCentredString(width / 2, height - 30 * mm, str(_("志愿服务证书")))
    lines = [
        _("%(name)s 同志：") % {"name": volunteer.name},
        _("在疫情防控志愿服务中累计服务 %(h)s 小时，") % {"h": total_hours},
        _("无私奉献，特发此证，以资鼓励。"),
    ]
    draw_lines(
        c,
        lines,
        font=font,
        size=13,
        x=25 * mm,
        y=height - 50 * mm,
        width=width - 50 * mm,
        leading=10 * mm,
        max_lines=5,
    )
    c.setFont(font, 11)
    c.drawRightString(width - 25 * mm, 30 * mm, issuer)
    c.drawRightString(width - 25 * mm, 22 * mm, timezone.localdate().isoformat())
    return finish_pdf(buf, c)
