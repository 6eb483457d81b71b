"""A password someone else has seen (a new account's, an administrator's reset) is changed by
its holder before they use the site or get an API token."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from fangkong.accounts import services
from fangkong.accounts.choices import Role


@pytest.fixture
def reset_worker(users):
    worker = users["grid_a"]
    password = services.reset_password(actor=users["street"], user=worker)
    return worker, password


def _signed_in(username, password) -> Client:
    browser = Client()
    r = browser.post(reverse("login"), {"username": username, "password": password})
    assert r.status_code == 302
    return browser


def test_after_a_reset_every_page_leads_to_the_password_change_first(reset_worker):
    _worker, password = reset_worker
    browser = _signed_in("grid_a", password)

    r = browser.get(reverse("home"))

    assert r.status_code == 302
    assert r.url == reverse("accounts:password_change")
    page = browser.get(r.url).content.decode()
    assert "请先改为只有您自己知道的新密码" in page


def test_a_new_password_frees_the_account_and_the_old_one_is_refused(reset_worker):
    worker, password = reset_worker
    browser = _signed_in("grid_a", password)

    same = browser.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": password, "new_password2": password},
    )
    assert "新密码不能与原密码相同" in same.content.decode()
    r = browser.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password1": "Haitang-grid-2022",
            "new_password2": "Haitang-grid-2022",
        },
    )

    assert r.status_code == 302
    worker.refresh_from_db()
    assert worker.password_change_required is False
    assert browser.get(reverse("home")).status_code == 200


def test_a_newly_opened_account_must_change_its_password_too(users, areas):
    user, password = services.create_user(
        actor=users["street"],
        username="lisi",
        full_name="",
        role=Role.GRID_WORKER,
        area=areas["grid_a"],
    )

    assert user.password_change_required is True
    browser = _signed_in("lisi", password)
    assert browser.get(reverse("accounts:profile")).url == reverse("accounts:password_change")


def test_no_api_token_is_issued_until_the_password_is_changed(reset_worker):
    worker, password = reset_worker
    api = Client()

    r = api.post(reverse("api-token"), {"username": "grid_a", "password": password})

    assert r.status_code == 400
    assert "修改管理员发给您的密码" in r.content.decode()
    assert not Token.objects.filter(user=worker).exists()


def test_accounts_with_their_own_password_are_not_held_up(client, users):
    client.force_login(users["grid_a"])

    assert client.get(reverse("home")).status_code == 200


def test_the_browsers_session_reaches_no_api_data_before_the_change(reset_worker):
    """The middleware let every /api/ path through: the session signed in with the password
    the administrator had seen read the API's data as before."""
    _worker, password = reset_worker
    browser = _signed_in("grid_a", password)

    r = browser.get("/api/v1/residents/")

    assert r.status_code == 403
    assert r.json()["detail"] == "请先修改管理员发给您的密码，再使用系统"
