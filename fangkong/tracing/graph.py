"""The transmission chain drawn as SVG on the server: no chart library, nothing to load.

Three columns — the case, its close contacts, their secondary contacts — with one line per
exposure, labelled with the venue or 同住. Names are already masked by the selector.
"""

from __future__ import annotations

from django.utils.html import escape

from .selectors import Chain

COLUMN_X = {"case": 20, "close": 320, "secondary": 620}
BOX_W, BOX_H, STEP, TOP = 180, 28, 40, 40
FILL = {"case": "#dc3545", "close": "#fd7e14", "secondary": "#ffc107"}
TEXT = {"case": "#fff", "close": "#fff", "secondary": "#212529"}


def chain_svg(chain: Chain, *, title: str, legend: dict[str, str]) -> str:
    columns: dict[str, list] = {"case": [], "close": [], "secondary": []}
    for n in chain.nodes:
        columns[n.degree].append(n)
    rows = max(len(c) for c in columns.values())
    height = TOP + rows * STEP + 20
    width = COLUMN_X["secondary"] + BOX_W + 20
    pos = {}
    for degree, nodes in columns.items():
        offset = TOP + (rows - len(nodes)) * STEP / 2  # centre short columns
        for i, n in enumerate(nodes):
            pos[n.key] = (COLUMN_X[degree], offset + i * STEP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (degree, label) in enumerate(legend.items()):
        parts.append(
            f'<rect x="{20 + i * 150}" y="8" width="12" height="12" fill="{FILL[degree]}"/>'
            f'<text x="{36 + i * 150}" y="18">{escape(label)}</text>'
        )
    seen = set()
    for e in chain.edges:
        if e.source_key not in pos or e.target_key not in pos:
            continue
        key = (e.source_key, e.target_key, e.venue or e.kind)
        if key in seen:
            continue
        seen.add(key)
        x1, y1 = pos[e.source_key]
        x2, y2 = pos[e.target_key]
        x1, y1, y2 = x1 + BOX_W, y1 + BOX_H / 2, y2 + BOX_H / 2
        parts.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#6c757d" stroke-width="1"/>'
            f'<text x="{(x1 + x2) / 2}" y="{(y1 + y2) / 2 - 3}" text-anchor="middle" '
            f'fill="#495057" font-size="10">{escape(e.venue or e.kind)}</text>'
        )
    for n in chain.nodes:
        x, y = pos[n.key]
        label = n.name + (f"（{n.state}）" if n.state else "")
        parts.append(
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" '
            f'fill="{FILL[n.degree]}"/>'
            f'<text x="{x + 8}" y="{y + 18}" fill="{TEXT[n.degree]}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
