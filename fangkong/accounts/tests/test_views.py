"""Login, logout, profile and password change."""

from django.urls import reverse

from fangkong.core.models import AuditEntry


def test_anonymous_is_sent_to_login(client, users):
    r = client.get(reverse("registry:resident_list"))
    assert r.status_code == 302
    assert r["Location"] == reverse("login") + "?next=" + reverse("registry:resident_list")


def test_login_page_is_public_and_chinese(client, db):
    r = client.get(reverse("login"))
    assert r.status_code == 200
    assert "登录" in r.content.decode()


def test_login_records_an_audit_entry(client, users):
    r = client.post(reverse("login"), {"username": "grid_a", "password": "pw-for-tests-only"})
    assert r.status_code == 302
    assert r["Location"] == reverse("home")
    entry = AuditEntry.objects.get(action="login")
    assert (entry.actor_name, entry.area_path) == ("grid_a", users["grid_a"].area.path)


def test_wrong_password_is_refused(client, users):
    r = client.post(reverse("login"), {"username": "grid_a", "password": "wrong"})
    assert r.status_code == 200
    assert r.context["form"].non_field_errors()
    assert not AuditEntry.objects.filter(action="login", changes__result="success").exists()


def test_logout_is_post_only(client, users):
    client.force_login(users["grid_a"])
    assert client.get(reverse("logout")).status_code == 405
    r = client.post(reverse("logout"))
    assert r.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_profile_shows_own_role_and_area(client, users):
    client.force_login(users["grid_a"])
    body = client.get(reverse("accounts:profile")).content.decode()
    assert "网格员" in body
    assert "仁和区仁和街道海棠花语社区第一网格" in body


def change_password(client, user, new: str):
    client.force_login(user)
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": "pw-for-tests-only", "new_password1": new, "new_password2": new},
    )


def test_password_change(client, users):
    r = change_password(client, users["grid_a"], "Xq7-防控-long-pass")
    assert r.status_code == 302
    users["grid_a"].refresh_from_db()
    assert users["grid_a"].check_password("Xq7-防控-long-pass")
