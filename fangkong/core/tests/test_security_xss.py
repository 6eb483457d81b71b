"""Generated injection test: script markup in every free-text field of every model that has a
create form or service shows as text in lists and detail pages, and text that a spreadsheet
would run as a formula is neutralised in every Excel export."""

import io

import openpyxl
import pytest
from django.apps import apps

from fangkong.core.api.views import ScopedGenericViewSet
from fangkong.core.testing import builders, urlmap
from fangkong.core.views.generic import ObjectEditView

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
RAW = ("<script>a", "<img src=x", "\"'><", "<script></")
ESCAPED = "&lt;script&gt;"
FORMULAS = ('=HYPERLINK("http://x","a")', "+1+cmd|' /C calc'!A0", "-1+1", "@SUM(1)")
FORMULA_START = ("=", "+", "-", "@")


def creatable_models() -> list[str]:
    """Models that users create through a generic form or an API service."""
    labels = set()
    for e in urlmap.walk():
        cls = e.view_class
        if cls is None or getattr(cls, "model", None) is None:
            continue
        by_form = issubclass(cls, ObjectEditView) and getattr(cls, "create_service", None)
        by_api = issubclass(cls, ScopedGenericViewSet) and getattr(cls, "create_service", None)
        if by_form or by_api:
            labels.add(cls.model._meta.label_lower)
    return sorted(labels)


MODELS = creatable_models()
ENDPOINTS = urlmap.model_endpoints()


def free_text_fields(label: str) -> list[str]:
    fields = apps.get_model(label)._meta.concrete_fields
    return [f.name for f in fields if builders.is_free_text(f)]


def test_models_with_forms_are_found():
    assert {"registry.resident", "registry.household", "areas.area"} <= set(MODELS)
    assert "name" in free_text_fields("registry.resident")
    assert "address" in free_text_fields("registry.household")


def assert_shown_as_text(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"{where}: unescaped {raw!r}"


@pytest.mark.parametrize("label", MODELS)
def test_markup_in_free_text_is_escaped(label, client, users, areas):
    model = apps.get_model(label)
    obj = builders.build(model, areas["grid_a"], text=PAYLOAD)
    endpoints = ENDPOINTS.get(label, {})
    client.force_login(users["command"])
    shown = 0
    pages = [*endpoints.get("html_list", [])]
    pages += [urlmap.with_pk(p, obj.pk) for p in endpoints.get("html_detail", [])]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert_shown_as_text(html, path)
        shown += html.count(ESCAPED)
    if endpoints.get("html_detail") and free_text_fields(label):
        # A detail page shows the record's text: it must be there, escaped.
        assert shown, f"{label}: the text never appears on its pages"


def _cells(response):
    data = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(data))  # not read-only: it sees formula cells
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


@pytest.mark.parametrize("label", MODELS)
def test_exports_neutralise_formulas(label, client, users, areas):
    model = apps.get_model(label)
    for text in (*FORMULAS, PAYLOAD):
        builders.build(model, areas["grid_a"], text=text)
    client.force_login(users["command"])
    lists = ENDPOINTS.get(label, {}).get("html_list", [])
    exported = neutralised = 0
    for path in lists:
        response = client.get(path, {"export": "xlsx"})
        if response.status_code == 403 or not response.get("Content-Type", "").startswith(
            "application/vnd.openxmlformats"
        ):
            continue
        exported += 1
        texts = []
        for cell in _cells(response):
            assert cell.data_type != "f", f"{path}: formula cell {cell.coordinate}"
            if isinstance(cell.value, str):
                texts.append(cell.value)
                assert not cell.value.startswith(FORMULA_START), f"{path}: {cell.value!r}"
        neutralised += sum(1 for t in texts if t[:1] == "'" and t[1:2] in FORMULA_START)
    if lists and any(
        getattr(e.view_class, "export_permission", "") for e in urlmap.walk() if e.path in lists
    ):
        assert exported, f"{label}: no export could be checked"
    if label == "registry.resident":  # a canary: names are exported, so formulas were there
        assert neutralised >= len(FORMULAS)
