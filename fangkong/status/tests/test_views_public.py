"""Of the issue-4 pages, only the three public ones answer without signing in."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

NAMESPACES = {"screening", "risk", "status", "health", "verify"}
PUBLIC = {"status:personal", "health:self_report", "verify:certificate"}
DUMMY = {"pk": 1, "household_pk": 1, "visit_pk": 1, "token": "x", "code": "X"}


def issue4_url_names():
    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver) and p.namespace in NAMESPACES:
            for sub in p.url_patterns:
                if isinstance(sub, URLPattern):
                    yield f"{p.namespace}:{sub.name}", list(sub.pattern.converters)


def test_the_list_of_pages_is_complete():
    names = {name for name, _kw in issue4_url_names()}
    assert PUBLIC.issubset(names)
    # + NAT and finding import pages and their templates, assignment change and handover,
    # a nucleic-acid test's page and its review, a visit's correction and voiding, the risk
    # list's and the assignments' (协查名单) import pages and their templates
    assert len(names) == 58


@pytest.mark.parametrize(("name", "kwargs"), list(issue4_url_names()))
def test_anonymous_access(client, db, name, kwargs):
    url = reverse(name, kwargs={k: DUMMY[k] for k in kwargs})
    for method in (client.get, client.post):
        r = method(url)
        if name in PUBLIC:
            assert r.status_code in (200, 400, 404), (name, r.status_code)
            assert "/login/" not in r.get("Location", "")
        else:
            assert r.status_code == 302, (name, r.status_code)
            assert r["Location"].startswith("/login/?next=")
