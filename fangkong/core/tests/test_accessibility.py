"""Accessibility a keyboard and screen-reader user relies on.

A field's error and help text are tied to the field: Django gives a widget with errors
``aria-invalid`` and ``aria-describedby="<id>_helptext <id>_error"``; the page must carry
elements with those ids, or a screen reader announces the field without its message."""

import re

import pytest

DESCRIBED = re.compile(r'aria-describedby="([^"]+)"')


def _dangling_references(html: str) -> list[str]:
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    return [ref for refs in DESCRIBED.findall(html) for ref in refs.split() if ref not in ids]


def test_the_shared_form_fields_describe_each_field_by_its_help_and_errors():
    from django import forms
    from django.template.loader import render_to_string

    class PlaceForm(forms.Form):
        name = forms.CharField(label="名称", help_text="如：老街社区便民超市")
        open = forms.BooleanField(label="营业中")

    form = PlaceForm(data={})
    html = render_to_string("includes/form_fields.html", {"form": form})
    assert html.count('aria-invalid="true"') == 2
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'id="id_name_error"' in html and 'id="id_open_error"' in html
    assert _dangling_references(html) == []


def test_every_input_written_in_a_template_has_a_label():
    """A receiving note on the allocation list and a volunteer's reason for declining had
    only a placeholder: a screen reader announced "edit text" and nothing else."""
    from pathlib import Path

    from django.conf import settings

    unlabelled = []
    for path in sorted((Path(settings.PACKAGE_DIR) / "templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<(input|select|textarea)\b[^>]*>", source):
            tag = match.group()
            if re.search(r'type="(hidden|submit|button)"', tag) or "aria-label" in tag:
                continue
            element_id = re.search(r'\sid="([^"]+)"', tag)
            if element_id and f'for="{element_id.group(1)}"' in source:
                continue
            before = source[max(0, match.start() - 200) : match.start()]
            if before.rfind("<label") > before.rfind("</label>"):
                continue  # wrapped in its label
            unlabelled.append(f"{path.name}: {tag[:60]}")
    assert unlabelled == []


@pytest.mark.django_db
def test_the_first_link_of_a_page_skips_the_menu_to_the_page(client, users):
    """A keyboard user tabbed through a dozen menu links on every page before reaching it."""
    from django.urls import reverse

    client.force_login(users["community"])
    html = client.get(reverse("home")).content.decode()
    body = html[html.index("<body") :]
    first_link = re.search(r"<a\b[^>]*>", body).group()
    assert 'href="#main"' in first_link
    assert re.search(r'<main\b[^>]*\sid="main"', body)


@pytest.mark.django_db
def test_a_verification_result_is_announced(client, users):
    """An inspector checking a personal code with a screen reader heard nothing when the
    green or red result came in: it replaces a region, now inside a live one."""
    from django.urls import reverse

    client.force_login(users["command"])
    html = client.get(reverse("status:verify")).content.decode()
    live = re.search(r'<div aria-live="polite">\s*(?:\{[^}]*\}\s*)?<div id="verify-result"', html)
    assert live
