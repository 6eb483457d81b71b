"""Search terms never travel in a URL.

What a user types into a search box (a name, pinyin initials, an ID number or the last four
digits of a phone) would otherwise land in the address bar, the browser history, the
``Referer`` of the next request and the server's request logs. The list pages' filter form is
therefore POSTed (with its CSRF token); the terms are kept in the user's session under a short
random token, encrypted like every other personal field, and the URLs that the page builds
(pushed by htmx, pagination, Excel export) carry only ``search=<token>`` and the non-sensitive
filters. Opening the bare list URL (“重置”) starts a fresh search.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict

from . import crypto

SEARCH_PARAMS: tuple[str, ...] = ("q",)
TOKEN_PARAM = "search"  # noqa: S105 (a query parameter name)
SESSION_KEY = "fk_search"
MAX_REMEMBERED = 20


def _store(request: HttpRequest) -> dict:
    return request.session.get(SESSION_KEY) or {}


def remember(request: HttpRequest, params: tuple[str, ...]) -> str:
    """Keep the POSTed search terms in the session; the token that names them, or ""."""
    terms = {k: request.POST.getlist(k) for k in params if any(request.POST.getlist(k))}
    return _remember_values(request, terms) if terms else ""


def recall(request: HttpRequest, token: str) -> dict[str, list[str]]:
    entry = _store(request).get(token or "")
    if not entry or entry.get("path") != request.path:
        return {}
    try:
        return json.loads(crypto.decrypt(entry["terms"]) or "{}")
    except (ValueError, TypeError):
        return {}


def filter_data(
    request: HttpRequest, params: tuple[str, ...], *, token: str | None = None
) -> tuple[QueryDict, str]:
    """The filter values for this request and the search token that holds its terms.

    Non-sensitive filters come from the query string (links may set them), overlaid with the
    remembered terms of ``search=<token>`` and, on a POST, with the posted form.
    """
    data = request.GET.copy()
    data.pop(TOKEN_PARAM, None)
    token = request.GET.get(TOKEN_PARAM, "") if token is None else token
    terms = recall(request, token)
    if not terms:
        token = ""
    for key, values in terms.items():
        data.setlist(key, values)
    if request.method == "POST":
        for key in request.POST:
            if key not in ("csrfmiddlewaretoken", "export", "purpose", "page"):
                data.setlist(key, request.POST.getlist(key))
    if not token and any(data.get(k) for k in params):
        # Terms that came another way (an old bookmark with ?q=): links must not repeat them.
        token = _remember_values(request, {k: data.getlist(k) for k in params if data.get(k)})
    return data, token


def _remember_values(request: HttpRequest, terms: dict[str, list[str]]) -> str:
    token = secrets.token_urlsafe(8)
    store = _store(request)
    store[token] = {"path": request.path, "terms": crypto.encrypt(json.dumps(terms))}
    while len(store) > MAX_REMEMBERED:
        store.pop(next(iter(store)))
    request.session[SESSION_KEY] = store
    return token


def clean_query(
    request: HttpRequest, params: tuple[str, ...], token: str, *, drop: tuple[str, ...] = ()
) -> str:
    """The query string for links from this page: filters without the search terms."""
    source = request.POST if request.method == "POST" else request.GET
    skip = {*params, *drop, TOKEN_PARAM, "csrfmiddlewaretoken", "purpose"}
    pairs = [(k, v) for k, values in source.lists() for v in values if k not in skip and v]
    if request.method == "POST":  # filters set by the page's own links stay too
        pairs = [
            (k, v) for k, vs in request.GET.lists() for v in vs if k not in skip and k not in source
        ] + pairs
    if token:
        pairs.append((TOKEN_PARAM, token))
    return urlencode(pairs)


def clean_url(request: HttpRequest, params: tuple[str, ...], token: str) -> str:
    query = clean_query(request, params, token, drop=("page", "export"))
    return f"{request.path}?{query}" if query else request.path
