"""Search terms never appear in a URL: every list page's search is POSTed, the pushed URL,
pagination and export links carry only a random token; request logs hold no ID or phone."""

import datetime
import io
import logging
import re
from urllib.parse import quote

import openpyxl
import pytest
from django.urls import reverse

from fangkong.core import search_terms
from fangkong.core.logging import RedactPersonalData, redact
from fangkong.core.testing import urlmap
from fangkong.core.testing.factories import make_id_number, make_residents
from fangkong.core.views.generic import ObjectListView

TERM = make_id_number(birth=datetime.date(1983, 4, 5), gender="F")
PHONE = "13987654321"
URL_ATTR = re.compile(r"\b(?:href|action|src|hx-[a-z]+)\s*=\s*[\"']([^\"']*)[\"']", re.I)


def list_entries():
    return [
        e
        for e in urlmap.walk()
        if e.view_class is not None
        and issubclass(e.view_class, ObjectListView)
        and e.view_class.filterset_class is not None
        and set(e.view_class.search_params) & set(e.view_class.filterset_class.base_filters)
        and "1" not in e.path.split("/")
    ]


def assert_term_not_in_urls(text: str, term: str, where: str):
    for url in URL_ATTR.findall(text):
        assert term not in url and quote(term) not in url, f"{where}: {url}"


def test_list_pages_are_found():
    paths = {e.path for e in list_entries()}
    assert "/registry/residents/" in paths
    assert len(paths) >= 5


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_no_list_page_puts_the_search_term_in_a_url(client, users, htmx):
    client.force_login(users["command"])
    headers = {"HX-Request": "true"} if htmx else {}
    for entry in list_entries():
        response = client.post(entry.path, {"q": TERM}, headers=headers)
        where = entry.name
        if htmx:
            assert response.status_code == 200, where
            pushed = response["HX-Push-Url"]
            assert TERM not in pushed and pushed.startswith(entry.path), where
            assert_term_not_in_urls(response.content.decode(), TERM, where)
            url = pushed
        else:
            assert response.status_code == 302, where
            url = response["Location"]
        assert TERM not in url and "search=" in url, where
        page = client.get(url)
        assert page.status_code == 200, where
        html = page.content.decode()
        assert_term_not_in_urls(html, TERM, where)
        # The term is remembered: the search box shows it again.
        assert f'value="{TERM}"' in html, where


@pytest.fixture
def residents(users, areas):
    return make_residents(users["command"], areas["grid_a"], 60, prefix="张")


def test_search_token_pages_and_exports(client, users, residents):
    client.force_login(users["command"])
    url = reverse("registry:resident_list")
    r = client.post(url, {"q": "张"})
    page1 = client.get(r["Location"])
    assert page1.context["page"].paginator.count == 60
    html = page1.content.decode()
    token = r["Location"].split("search=")[1]
    assert f"search={token}&amp;page=2" in html
    page2 = client.get(f"{url}?search={token}&page=2")
    assert len(page2.context["page"].object_list) == 10
    export = client.get(f"{url}?search={token}&export=xlsx")
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(b"".join(export.streaming_content)), read_only=True
        ).active.iter_rows(values_only=True)
    )
    assert len(rows) == 61
    narrowed = client.post(url, {"q": "张3"})  # 张3, 张30…张39
    assert client.get(narrowed["Location"]).context["page"].paginator.count == 11
    # The bare URL (重置) forgets the search; a token of another page does not apply.
    assert client.get(url).context["page"].paginator.count == 60
    other = client.get(f"{reverse('registry:household_list')}?search={token}")
    assert other.context["filterset"].form["q"].value() in (None, "")


def _export_rows(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    return list(
        openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True)
    )


def test_a_search_swapped_in_gives_the_export_controls_its_filters(client, users, residents):
    """The filter form posts by HTMX and only the table is swapped: the export link and the
    unmasked export's form above it come along out of band with the new search, so both
    export exactly the rows the list shows (they kept the page's first filters before)."""
    client.force_login(users["command"])
    url = reverse("registry:resident_list")
    r = client.post(url, {"q": "张3"}, headers={"HX-Request": "true"})
    html = r.content.decode()
    token = r["HX-Push-Url"].split("search=")[1]
    link = re.search(r'<a id="list-export"[^>]*hx-swap-oob="true"[^>]*>', html)
    form = re.search(r'<form id="list-export-personal"[^>]*hx-swap-oob="true"[^>]*>', html)
    assert link and f'href="?search={token}&amp;export=xlsx"' in link.group(0)
    assert form and f'action="?search={token}"' in form.group(0)
    assert len(_export_rows(client.get(f"{url}?search={token}&export=xlsx"))) == 1 + 11
    revealed = client.post(f"{url}?search={token}", {"export": "xlsx", "purpose": "核对名单"})
    assert len(_export_rows(revealed)) == 1 + 11
    # A whole page (no HTMX) has the controls once, in place.
    page = client.get(r["HX-Push-Url"]).content.decode()
    assert page.count('id="list-export"') == 1 and "hx-swap-oob" not in page


def test_terms_in_the_session_are_encrypted(client, users, residents):
    client.force_login(users["command"])
    client.post(reverse("registry:resident_list"), {"q": TERM})
    stored = client.session[search_terms.SESSION_KEY]
    assert TERM not in str(stored)


def test_old_links_with_q_get_clean_links(client, users, residents):
    client.force_login(users["command"])
    r = client.get(reverse("registry:resident_list"), {"q": "张"})
    assert r.status_code == 200
    assert_term_not_in_urls(r.content.decode(), "张", "legacy ?q=")
    assert "search=" in r.context["query_string"]


# --- logs ----------------------------------------------------------------------------------


def test_redact_hides_id_numbers_and_phones():
    text = f"GET /x/?q={TERM}&p={PHONE} id={TERM.lower()} n=2020-01-01 pk=12345"
    out = redact(text)
    assert TERM not in out and PHONE not in out and TERM.lower() not in out
    assert "2020-01-01" in out and "pk=12345" in out


@pytest.mark.django_db
def test_request_logs_hold_no_personal_numbers(client, users, settings):
    """Requests with an ID number and a phone in the URL, through the project's handler
    configuration: nothing but the redacted form reaches the log."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        client.get(f"/api/v1/residents/?q={TERM}")  # 401, logged by django.request
        client.force_login(users["grid_a"])
        client.get(f"/registry/residents/{PHONE}/")  # 404, logged
        client.get(f"/no-such/{TERM}/")
        logging.getLogger("fangkong").warning("lookup %s by %s", TERM, PHONE)
    finally:
        root.removeHandler(handler)
    log = stream.getvalue()
    assert "Not Found" in log and "Unauthorized" in log
    assert TERM not in log and PHONE not in log
    assert "lookup" in log


def test_settings_install_the_filter_on_every_handler():
    from fangkong.settings import base

    handlers = base.LOGGING["handlers"]
    assert handlers
    for config in handlers.values():
        assert "redact" in config.get("filters", [])
    assert base.LOGGING["filters"]["redact"]["()"] == "fangkong.core.logging.RedactPersonalData"
