"""健康证明 PDF: reportlab with the built-in CID font STSong-Light (no font file) and a QR
code (segno's module matrix drawn as vector squares) pointing at the public verify page."""

from __future__ import annotations

import io

import segno
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from fangkong.core.personal import mask_id_number
from fangkong.status.clock import local_date

from .models import HealthCertificate
from .selectors import certificate_verify_path

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def qr_svg(url: str) -> str:
    """The same QR as an SVG string, for web pages."""
    return segno.make(url, error="m").svg_inline(scale=4)


def _draw_qr(c: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    qr = segno.make(url, error="m")
    rows = list(qr.matrix_iter(border=2))
    cell = size / len(rows)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(rows):
        for col, dark in enumerate(row):
            if dark:
                c.rect(x + col * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def render_certificate(certificate: HealthCertificate, *, base_url: str = "") -> bytes:
    font = _font()
    a = certificate.assignment
    resident = certificate.resident
    buf = io.BytesIO()
    width, height = A5
    c = canvas.Canvas(buf, pagesize=A5, pageCompression=1)
    c.setTitle(str(_("健康证明")))
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 28 * mm, str(_("健康证明")))
    c.setFont(font, 11)
    lines = [
        _("姓名：%(v)s") % {"v": resident.name},
        _("身份证号：%(v)s") % {"v": mask_id_number(resident.id_number or "")},
        _("类别：%(v)s") % {"v": a.get_kind_display()},
        _("期间：%(s)s 至 %(e)s") % {"s": a.start_date.isoformat(), "e": a.end_date.isoformat()},
        _("解除日期：%(v)s") % {"v": local_date(a.released_at).isoformat()},
        _("经核查，该人员已完成上述隔离/健康监测，期满解除。"),
        _("开具日期：%(v)s") % {"v": local_date(certificate.issued_at).isoformat()},
        _("证明编号：%(v)s") % {"v": certificate.code},
    ]
    y = height - 45 * mm
    for line in lines:
        c.drawString(18 * mm, y, str(line))
        y -= 8 * mm
    url = f"{base_url.rstrip('/')}{certificate_verify_path(certificate.code)}"
    _draw_qr(c, url, width / 2 - 17 * mm, 14 * mm, 34 * mm)
    c.setFont(font, 8)
    c.drawCentredString(width / 2, 9 * mm, str(_("扫描二维码核验真伪")))
    c.showPage()
    c.save()
    return buf.getvalue()
