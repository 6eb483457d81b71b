"""Checks on templates and rendered pages shared by the security tests."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

# Markup a strict CSP (script-src/style-src 'self') would block, or that runs script.
INLINE_MARKUP = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "on* attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
}
POST_FORM = re.compile(
    r"<form\b(?=[^>]*(?:\bmethod=[\"']?post|\bhx-post=))[^>]*>(?P<body>.*?)</form>", re.I | re.S
)


def template_files() -> list[Path]:
    """Every .html template of the project and of its own apps (not site-packages)."""
    roots = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    package = Path(settings.PACKAGE_DIR)
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        if folder.is_relative_to(package) and folder.is_dir():
            roots.append(folder)
    files: set[Path] = set()
    for root in roots:
        files.update(root.rglob("*.html"))
    return sorted(files)


def inline_markup(html: str) -> list[str]:
    return [what for what, rx in INLINE_MARKUP.items() if rx.search(html)]


def post_forms_without_token(text: str, token_marker: str) -> list[str]:
    """The opening tags of POST forms whose body lacks ``token_marker``."""
    missing = []
    for m in POST_FORM.finditer(text):
        if token_marker not in m.group("body"):
            missing.append(m.group(0)[: m.group(0).index(">") + 1])
    return missing


def form_post_headers(page_url: str, referrer_policy: str | None) -> dict[str, str]:
    """The ``Origin``/``Referer`` a browser sends when a form on ``page_url`` posts to the same
    origin, under the page's ``Referrer-Policy`` (Fetch standard, "serialize an origin" and
    "determine request's referrer"). ``no-referrer`` makes it send ``Origin: null`` and no
    Referer, which Django's CSRF check refuses."""
    scheme, rest = page_url.split("://", 1)
    origin = f"{scheme}://{rest.split('/', 1)[0]}"
    # The last recognised token of the header wins; browsers default to this one.
    policy = (referrer_policy or "strict-origin-when-cross-origin").split(",")[-1].strip()
    if policy == "no-referrer":
        return {"Origin": "null"}
    if policy in ("origin", "strict-origin"):
        return {"Origin": origin, "Referer": origin + "/"}
    return {"Origin": origin, "Referer": page_url}  # same-origin, *-when-cross-origin, unsafe-url
