"""Sign-in lockout, per-address throttling, unlocking, session expiry and password policy."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from fangkong.accounts.models import User
from fangkong.accounts.tests.test_views import change_password
from fangkong.core.middleware import IDLE_KEY
from fangkong.core.models import AuditEntry

LOGIN = "login"


def _login(client, username, password="wrong", **extra):  # noqa: S107
    return client.post(reverse(LOGIN), {"username": username, "password": password}, **extra)


def _error(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def test_account_locks_after_max_failures(client, users, settings):
    settings.FANGKONG_LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        assert "不正确" in _error(_login(client, "grid_a"))
    r = _login(client, "grid_a")
    assert "已暂时锁定" in _error(r)
    user = User.objects.get(username="grid_a")
    assert user.failed_logins == 3 and user.locked_until > timezone.now()
    # The right password does not get through while locked.
    r = _login(client, "grid_a", "pw-for-tests-only")
    assert r.status_code == 200 and "已暂时锁定" in _error(r)
    results = list(
        AuditEntry.objects.filter(action="login").values_list("changes__result", flat=True)
    )
    assert results.count("failed") == 2 and results.count("locked") == 1


def test_unknown_user_gets_the_same_messages(client, users, settings):
    settings.FANGKONG_LOGIN_MAX_FAILURES = 3
    known = [_error(_login(client, "grid_a")) for _ in range(3)]
    unknown = [_error(_login(client, "nobody-here")) for _ in range(3)]
    assert known == unknown
    assert not User.objects.filter(username="nobody-here").exists()


def test_lock_expires(client, users, settings):
    settings.FANGKONG_LOGIN_MAX_FAILURES = 2
    _login(client, "grid_a")
    _login(client, "grid_a")
    User.objects.filter(username="grid_a").update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    r = _login(client, "grid_a", "pw-for-tests-only")
    assert r.status_code == 302
    user = User.objects.get(username="grid_a")
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_address_throttling(client, users, settings):
    settings.FANGKONG_LOGIN_ADDRESS_MAX_FAILURES = 4
    for name in ("a1", "a2", "a3", "a4"):
        _login(client, name, REMOTE_ADDR="10.0.0.9")
    r = _login(client, "grid_a", "pw-for-tests-only", REMOTE_ADDR="10.0.0.9")
    assert r.status_code == 200 and "此设备登录失败次数过多" in _error(r)
    # Another address is not affected.
    assert _login(client, "grid_a", "pw-for-tests-only", REMOTE_ADDR="10.0.0.10").status_code == 302


def test_api_token_shares_the_lockout(client, users, settings):
    settings.FANGKONG_LOGIN_MAX_FAILURES = 2
    url = reverse("api-token")
    for _ in range(2):
        r = client.post(url, {"username": "grid_b", "password": "bad"})
        assert r.status_code == 400
    r = client.post(url, {"username": "grid_b", "password": "pw-for-tests-only"})
    assert r.status_code == 400
    assert "已暂时锁定" in r.content.decode()


def test_command_office_unlocks(client, users, settings):
    settings.FANGKONG_LOGIN_MAX_FAILURES = 1
    _login(client, "grid_a")
    assert User.objects.get(username="grid_a").locked_until
    # A grid worker may not unlock; the command office may.
    client.force_login(users["grid_b"])
    assert client.get(reverse("accounts:locked_list")).status_code == 403
    client.force_login(users["command"])
    page = client.get(reverse("accounts:locked_list"))
    assert "grid_a" in page.content.decode()
    r = client.post(reverse("accounts:unlock", args=[users["grid_a"].pk]), {"reason": "本人来电"})
    assert r.status_code == 302
    assert User.objects.get(username="grid_a").locked_until is None
    entry = AuditEntry.objects.filter(action="update", object_type="accounts.user").get()
    assert entry.reason == "本人来电" and entry.actor_name == "command"


def test_unlock_outside_area_is_404(client, users):
    User.objects.filter(pk=users["grid_c"].pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=5)
    )
    client.force_login(users["street"])
    r = client.post(reverse("accounts:unlock", args=[users["grid_c"].pk]))
    assert r.status_code == 404


def test_unlock_command(users):
    User.objects.filter(pk=users["grid_a"].pk).update(
        failed_logins=9, locked_until=timezone.now() + datetime.timedelta(minutes=5)
    )
    User.objects.create_superuser("root", password="pw-for-tests-only")
    call_command("unlock_user", "grid_a", by="root", reason="console")
    assert User.objects.get(pk=users["grid_a"].pk).failed_logins == 0


def test_idle_session_expires(client, users, settings):
    settings.FANGKONG_SESSION_IDLE_MINUTES = 30
    client.force_login(users["grid_a"])
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[IDLE_KEY] = int(timezone.now().timestamp()) - 31 * 60
    session.save()
    r = client.get(reverse("home"))
    assert r.status_code == 302 and r["Location"].startswith(reverse(LOGIN))
    assert client.get(reverse("home")).status_code == 302


def test_an_htmx_request_after_the_session_ended_sends_the_whole_page_to_sign_in(
    client, users, settings
):
    """A list's search box typed into after the idle timeout: not the sign-in page inside the
    table, but the page itself to sign-in, coming back to the list."""
    settings.FANGKONG_SESSION_IDLE_MINUTES = 30
    client.force_login(users["grid_a"])
    session = client.session
    session[IDLE_KEY] = int(timezone.now().timestamp()) - 31 * 60
    session.save()
    page = "/registry/residents/?q=%E5%BC%A0"
    r = client.post(
        "/registry/residents/",
        {"q": "张"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"},
    )
    assert r.status_code == 200 and "HX-Redirect" in r.headers
    assert r.headers["HX-Redirect"] == reverse(LOGIN) + "?next=" + quote(page, safe="/")
    # Another site's address is not followed back to.
    r = client.post(
        "/registry/residents/",
        headers={"HX-Request": "true", "HX-Current-URL": "https://example.com/x"},
    )
    assert r.headers["HX-Redirect"] == reverse(LOGIN) + "?next=/registry/residents/"


def test_active_session_stays(client, users, settings):
    settings.FANGKONG_SESSION_IDLE_MINUTES = 30
    client.force_login(users["grid_a"])
    client.get(reverse("home"))
    session = client.session
    session[IDLE_KEY] = int(timezone.now().timestamp()) - 29 * 60
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_session_settings():
    from django.conf import settings

    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("abc123", "太短"), ("password123", "太常见"), ("13912345678", "全是数字")],
)
def test_password_policy_speaks_chinese(password, fragment):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert any(fragment in m for m in exc.value.messages), exc.value.messages


def test_password_change_refuses_weak_password(client, users):
    r = change_password(client, users["grid_a"], "12345678")
    assert r.status_code == 200
    assert "太短" in r.content.decode()


def test_unlock_command_speaks_chinese(users):
    User.objects.create_superuser("root", password="pw-for-tests-only")
    with pytest.raises(CommandError, match="须为系统管理员"):
        call_command("unlock_user", "grid_a", by="grid_b")
    with pytest.raises(CommandError, match="没有用户名为 nobody 的账号"):
        call_command("unlock_user", "nobody", by="root")
    out = io.StringIO()
    call_command("unlock_user", "grid_a", by="root", stdout=out)
    assert out.getvalue() == "已解除 grid_a 的登录锁定\n"
