"""健康证明 PDF with a QR code of the public verify page (drawing helpers: ``core.pdf``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm

from fangkong.core.pdf import (
    cjk_font,
    draw_lines,
    draw_qr,
    finish_pdf,
    printed_in_platform_language,
    start_pdf,
)
from fangkong.core.personal import mask_id_number
from fangkong.status.clock import local_date

from .models import HealthCertificate
from .selectors import certificate_verify_path


@printed_in_platform_language
def render_certificate(certificate: HealthCertificate, *, base_url: str = "") -> bytes:
    font = cjk_font()
    a = certificate.assignment
    resident = certificate.resident
    width, height = A5
    buf, c = start_pdf(A5, str(_("健康证明")))
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 28 * mm, str(_("健康证明")))
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
    draw_lines(
        c,
        lines,
        font=font,
        size=11,
        x=18 * mm,
        y=height - 45 * mm,
        width=width - 36 * mm,
        leading=8 * mm,
    )
    url = f"{base_url.rstrip('/')}{certificate_verify_path(certificate.code)}"
    draw_qr(c, url, width / 2 - 17 * mm, 14 * mm, 34 * mm)
    c.setFont(font, 8)
    c.drawCentredString(width / 2, 9 * mm, str(_("扫描二维码核验真伪")))
    return finish_pdf(buf, c)
