"""List pages benchmark steps (session 7): the first page of every list, timed through
Django's test client on the dashboard benchmark's full-size city (``bench.dashboard``).

``lists-measure`` finds every ``ObjectListView`` with a URL of its own (and the audit log),
renders its first page (default order) for the dashboard's city, district and community
users, then the large lists with a common filter (a grid, a colour, a date range, a search
term) and the filtered lists each user's home page links to, and prints per page the
median of ``runs`` renders and the slowest SQL statement.
"""

from __future__ import annotations

import datetime
import re
import statistics
import time

from .dashboard import DAY, USERS, _client

# Pages slower than this are rendered once (the ~45 s scan list before session 7 would
# otherwise take a quiet slot on its own).
SLOW_MS = 3_000.0


def list_pages() -> dict[str, str]:
    """``{url name: path}`` of every list page: each ObjectListView routed without arguments
    and the audit log."""
    from django.urls import get_resolver, reverse

    from fangkong.core.views.generic import ObjectListView

    pages: dict[str, str] = {}

    def walk(patterns, namespace: str = "") -> None:
        for p in patterns:
            if hasattr(p, "url_patterns"):
                ns = p.namespace or ""
                walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
                continue
            view = getattr(p.callback, "view_class", None)
            if view and issubclass(view, ObjectListView) and not p.pattern.regex.groups:
                name = f"{namespace}{p.name}"
                pages[name] = reverse(name)

    walk(get_resolver().url_patterns)
    pages["core:audit_list"] = reverse("core:audit_list")
    return pages


def filtered_pages(user) -> dict[str, tuple[str, dict]]:
    """The large lists with a filter a user commonly sets: ``{label: (url name, params)}``.
    The values are taken inside the user's area (its first grid, the scans' last day)."""
    from fangkong.areas.choices import AreaLevel
    from fangkong.areas.models import Area
    from fangkong.registry.models import Resident

    grid = Area.objects.visible_to(user).filter(level=AreaLevel.GRID).order_by("path").first()
    name = Resident.objects.visible_to(user).order_by().values_list("name", flat=True).first()
    day = DAY.isoformat()
    since, until = f"{day}T08:00", f"{day}T10:00"
    return {
        "residents, one grid": ("registry:resident_list", {"area": grid.pk}),
        "residents, a name searched": ("registry:resident_list", {"q": name}),
        "households, one grid": ("registry:household_list", {"area": grid.pk}),
        "statuses, yellow": ("status:status_list", {"colour": "yellow"}),
        "statuses, one grid": ("status:status_list", {"area": grid.pk}),
        "scans, 2 hours": ("venues:scan_list", {"since": since, "until": until}),
        "scans, one grid": ("venues:scan_list", {"area": grid.pk}),
        "visits, one grid": ("screening:visit_list", {"area": grid.pk}),
        "findings, one grid": ("screening:finding_list", {"area": grid.pk}),
        "assignments, one grid": ("health:assignment_list", {"area": grid.pk}),
        "contacts, one grid": ("tracing:contact_list", {"area": grid.pk}),
    }


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def home_links(client) -> dict[str, tuple[str, dict]]:
    """The filtered lists the user's home page links to (its panels' figures: 绿码, 隔离中,
    a category…): ``{label: (path, params)}``, the label the list's URL name and its
    parameters but the area (each user's own), a day written ``<day>`` (figures link their
    lists as of today)."""
    from html import unescape
    from urllib.parse import parse_qsl, urlsplit

    from django.urls import resolve

    page = client.get("/").content.decode()
    links: dict[str, tuple[str, dict]] = {}
    for href in re.findall(r'href="(/[^"#]*\?[^"#]+)"', page):
        url = urlsplit(unescape(href))
        params = dict(parse_qsl(url.query))
        match = resolve(url.path)
        shown = " ".join(
            f"{k}={ISO_DAY.sub('<day>', v)}" for k, v in sorted(params.items()) if k != "area"
        )
        links[f"{match.view_name} {shown}".strip()] = (url.path, params)
    return dict(sorted(links.items()))


class SlowestQuery:
    """A connection execute wrapper that keeps the slowest statement of a render."""

    def __init__(self):
        self.ms, self.sql = 0.0, ""

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - start) * 1000
            if ms > self.ms:
                self.ms, self.sql = ms, sql


def _table(sql: str) -> str:
    found = re.search(r'FROM\s+"?(\w+)"?', sql)
    return found.group(1) if found else ""


def time_page(client, path: str, params: dict, runs: int) -> dict:
    """The median of ``runs`` renders (one when the first is over ``SLOW_MS``) and the slowest
    statement of the last render."""
    from django.db import connection

    times, status, slowest = [], 0, SlowestQuery()
    for _ in range(runs):
        slowest = SlowestQuery()
        with connection.execute_wrapper(slowest):
            start = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - start) * 1000)
        status = response.status_code
        if status != 200 or times[0] > SLOW_MS:
            break
    return {
        "status": status,
        "median_ms": statistics.median(times),
        "runs": len(times),
        "slowest_ms": slowest.ms,
        "slowest_table": _table(slowest.sql),
        "slowest_sql": slowest.sql[:400],
    }


def measure(runs: int = 3, only: str = "") -> dict:
    """Every list page for each user, then the filtered large lists; pages a user may not
    open (403) are kept with their status and no time."""
    from django.urls import reverse

    from fangkong.accounts.models import User

    pages = {n: p for n, p in list_pages().items() if only in n}
    out: dict = {"day": DAY.isoformat(), "runs": runs, "pages": {}, "filtered": {}}
    out["home_links"] = {}
    for who, username in USERS.items():
        client = _client(username)
        client.get(reverse("home"))  # the process's first render pays the imports
        for name, path in pages.items():
            out["pages"].setdefault(name, {})[who] = time_page(client, path, {}, runs)
        user = User.objects.get(username=username)
        for label, (name, params) in filtered_pages(user).items():
            if only in name:
                page = time_page(client, reverse(name), params, runs)
                out["filtered"].setdefault(label, {})[who] = page
        for label, (path, params) in home_links(client).items():
            if only in label:
                page = time_page(client, path, params, runs)
                out["home_links"].setdefault(label, {})[who] = page
    out["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    return out
