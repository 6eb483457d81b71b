"""What every PDF shares: reportlab with the built-in CID font STSong-Light (no font file to
ship) and QR codes from segno drawn as vector squares, so they print sharp at any size.

A renderer is ``buf, c = start_pdf(A5, title)`` … ``return finish_pdf(buf, c)``.

What is printed for the public or handed out (a venue's QR poster, a certificate, a donation
receipt) is in the platform's language whatever the language of the staff member printing
it: a poster on a market's door or a certificate given to a resident is read by people who
never chose English (``printed_in_platform_language``).
"""

from __future__ import annotations

import functools
import io

import segno
from django.conf import settings
from django.utils import translation
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


def printed_in_platform_language(render):
    """Run the renderer ``render`` in ``settings.LANGUAGE_CODE``, not the request's."""

    @functools.wraps(render)
    def in_platform_language(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return render(*args, **kwargs)

    return in_platform_language


def cjk_font() -> str:
    """The name of the Chinese font, registered with reportlab on first use."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def start_pdf(pagesize: tuple[float, float], title: str) -> tuple[io.BytesIO, canvas.Canvas]:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=pagesize, pageCompression=1)
    c.setTitle(title)
    return buf, c


def finish_pdf(buf: io.BytesIO, c: canvas.Canvas) -> bytes:
    c.showPage()
    c.save()
    return buf.getvalue()


def qr_svg(url: str, *, scale: int = 4, border: int | None = None) -> str:
    """The QR of ``url`` as inline SVG for web pages (drawn here; no external service)."""
    return segno.make(url, error="m").svg_inline(scale=scale, border=border)


def draw_qr(c: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR of ``url`` as a ``size`` square whose lower left corner is at ``(x, y)``."""
    rows = list(segno.make(url, error="m").matrix_iter(border=2))
    cell = size / len(rows)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(rows):
        for col, dark in enumerate(row):
            if dark:
                c.rect(x + col * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def wrap(text: str, font: str, size: float, width: float, *, max_lines: int | None = None):
    """``text`` broken into lines no wider than ``width`` points, by character (Chinese has no
    spaces to break at); past ``max_lines`` the last line ends in “…”."""
    lines, line = [], ""
    for ch in text:
        if line and pdfmetrics.stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ""
        line += ch
    lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def fit(text: str, font: str, size: float, width: float, *, smallest: float) -> float:
    """The largest font size from ``size`` down to ``smallest`` at which ``text`` fits on one
    line of ``width`` points (``smallest`` when none does: then wrap it)."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return max(size, smallest)


def draw_lines(
    c: canvas.Canvas,
    lines,
    *,
    font: str,
    size: float,
    x: float,
    y: float,
    width: float,
    leading: float,
    centred: bool = False,
    max_lines: int | None = None,
) -> float:
    """Each of ``lines`` wrapped to ``width`` points, from ``y`` down; at most ``max_lines``
    printed lines. Returns the ``y`` below the last one."""
    c.setFont(font, size)
    drawn = 0
    for text in lines:
        for part in wrap(str(text), font, size, width):
            if max_lines is not None and drawn == max_lines:
                return y
            if centred:
                c.drawCentredString(x, y, part)
            else:
                c.drawString(x, y, part)
            y -= leading
            drawn += 1
    return y
