"""捐赠收据 PDF with a QR code of the public verify page (drawing helpers: ``core.pdf``)."""

from __future__ import annotations

from django.urls import reverse
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
from fangkong.formats import grouped

from .choices import DonationKind
from .models import Donation


@printed_in_platform_language
def render_receipt(donation: Donation, *, base_url: str = "") -> bytes:
    font = cjk_font()
    width, height = A5
    buf, c = start_pdf(A5, str(_("捐赠收据")))
    c.setFont(font, 20)
    c.drawCentredString(width / 2, height - 26 * mm, str(_("捐赠收据")))
    lines = [
        _("捐赠方：%(v)s") % {"v": donation.donor_name},
        _("捐赠日期：%(v)s") % {"v": donation.date.isoformat()},
        _("捐赠渠道：%(v)s") % {"v": donation.channel or "—"},
        _("指定用途：%(v)s") % {"v": donation.intended_use or "—"},
    ]
    if donation.kind == DonationKind.MONEY:
        lines.append(_("捐款金额：%(v)s 元") % {"v": grouped(donation.amount, 2)})
    else:
        for lot in donation.lots.select_related("item"):
            lines.append(
                _("捐赠物品：%(item)s %(q)s %(unit)s")
                % {
                    "item": lot.item.name,
                    "q": grouped(lot.entered_quantity.normalize()),
                    "unit": lot.get_entered_unit_display(),
                }
            )
    lines += [
        _("感谢您对疫情防控工作的支持！"),
        _("收据编号：%(v)s") % {"v": donation.receipt_code},
    ]
    draw_lines(
        c,
        lines,
        font=font,
        size=11,
        x=16 * mm,
        y=height - 42 * mm,
        width=width - 32 * mm,
        leading=7.5 * mm,
        max_lines=14,
    )
    url = (
        f"{base_url.rstrip('/')}{reverse('supplies:donation_verify', args=[donation.receipt_code])}"
    )
    draw_qr(c, url, width / 2 - 15 * mm, 12 * mm, 30 * mm)
    c.setFont(font, 8)
    c.drawCentredString(width / 2, 8 * mm, str(_("扫描二维码核验收据")))
    return finish_pdf(buf, c)
