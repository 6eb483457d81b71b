"""Translations: English and Traditional pages, complete English catalogue, polib compile."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])


def _home(client, user, language):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("home")).content.decode()


def test_home_in_english(client, users, compiled_locale):
    body = _home(client, users["community"], "en")
    assert '<html lang="en">' in body
    assert "Fangkong" in body
    assert "What I can do" in body
    assert "我能做什么" not in body


def test_english_headings_use_english_punctuation(client, users, areas, compiled_locale):
    """ "Edit：侯凤" and "Resident：侯凤": the full-width colon was outside the translation."""
    from fangkong.core.testing.factories import make_residents

    (person,) = make_residents(users["command"], areas["grid_a"], 1)
    client.force_login(users["community"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    edit = client.get(reverse("registry:resident_edit", args=[person.pk])).content.decode()
    assert f"Edit: {person.name}" in edit and "：" + person.name not in edit
    from django.template.loader import get_template
    from django.utils import translation

    with translation.override("en"):
        html = get_template("generic/object_detail.html").render(
            {"model_name": "Park", "object": "Jinsha"}
        )
    assert "Park: Jinsha" in html


def test_home_in_traditional_chinese(client, users, compiled_locale):
    body = _home(client, users["community"], "zh-hant")
    assert '<html lang="zh-hant">' in body
    assert "防控平臺" in body
    assert "我能做什麼" in body
    assert "我能做什么" not in body


def test_home_in_simplified_by_default(client, users, compiled_locale):
    client.force_login(users["community"])
    body = client.get(reverse("home")).content.decode()
    assert "我能做什么" in body and "防控平台" in body


def test_every_english_msgid_is_translated():
    po = polib.pofile(str(LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete and (e.fuzzy or not e.translated())]
    assert missing == []
    assert len(po) > 100


def test_every_deferred_string_is_in_the_catalogue():
    """Strings marked where they are declared (``N_``, ``gettext_noop``: import column
    headers and help texts) and translated where shown must reach the catalogue: xgettext
    knows ``gettext_noop`` but not the ``N_`` alias unless told (``sync-translations``)."""
    import re

    po = polib.pofile(str(LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"))
    known = {e.msgid for e in po if not e.obsolete}
    marked = re.compile(r"\b(?:N_|gettext_noop)\(\s*\"((?:[^\"\\]|\\.)+)\"\s*\)")
    missing = set()
    for path in Path(settings.PACKAGE_DIR).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for text in marked.findall(path.read_text(encoding="utf-8")):
            if text not in known:
                missing.add(f"{path.name}: {text}")
    assert not missing, sorted(missing)


def test_traditional_catalogue_is_complete_and_traditional():
    po = polib.pofile(str(LOCALE_DIR / "zh_Hant" / "LC_MESSAGES" / "django.po"))
    by_id = {e.msgid: e.msgstr for e in po}
    assert by_id["居民"] == "居民"
    assert by_id["网格"] == "網格"
    assert by_id["审计日志"] == "審計日誌"
    # Characters converted, words kept: not Taiwan's 社群 / 程式碼 / 許可權.
    assert by_id["社区/村"] == "社區/村"
    assert by_id["没有权限"] == "沒有權限"
    assert all("程式碼" not in e.msgstr for e in po)
    assert [e.msgid for e in po if not e.obsolete and not e.translated()] == []


def test_compile_command_writes_mo_files(tmp_path):
    target = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, target, ignore=shutil.ignore_patterns("*.mo"))
    call_command("compile_translations", locale_dir=[str(target)])
    mo = target / "en" / "LC_MESSAGES" / "django.mo"
    assert mo.is_file()
    catalogue = {e.msgid: e.msgstr for e in polib.mofile(str(mo))}
    assert catalogue["居民"] == "Residents"


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_language_menu_names_each_language_in_itself(client, users, compiled_locale, language):
    """Whatever the page's language, the menu offers 简体中文, 繁體中文 and English: a reader
    who cannot read the current one must still recognise their own (not “英语”)."""
    import re

    body = _home(client, users["community"], language)
    offered = re.findall(
        r'<button type="submit" name="language" value="([^"]+)"[^>]*lang="[^"]+">([^<]+)</button>',
        body,
    )
    assert offered == [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]


@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "zh-TW,zh;q=0.9", "fr"])
def test_simplified_chinese_whatever_the_browser_asks(client, users, compiled_locale, accept):
    """The browser's Accept-Language chooses nothing: only the user's own choice does."""
    client.force_login(users["community"])
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=accept)
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body and "我能做什么" in body
    assert response["Content-Language"] == "zh-hans"


def test_the_chosen_language_sticks_until_changed(client, compiled_locale):
    """The menu's choice (the language cookie) holds on the next page, signed in or not; an
    unknown cookie value falls back to Simplified Chinese."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx-forged"
    response = client.get(reverse("login"))
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "Cookie" in response["Vary"]


@pytest.mark.parametrize(
    ("accept", "language", "message"),
    [
        ("", "zh-hans", "修改时必须提供版本号（version）"),
        ("en-US,en;q=0.9", "en", "A version is required when changing a record"),
        ("zh-TW,zh;q=0.9", "zh-hant", "修改時必須提供版本號（version）"),
        ("zh-hant", "zh-hant", "修改時必須提供版本號（version）"),
        ("fr-FR,fr;q=0.9", "zh-hans", "修改时必须提供版本号（version）"),
    ],
)
def test_the_api_answers_in_the_language_its_client_asks_for(
    users, areas, compiled_locale, accept, language, message
):
    """A partner system has no language menu: its Accept-Language is its choice, for the
    project's own messages and the frameworks' alike; a language the platform does not
    speak gets Simplified Chinese."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from fangkong.core.testing.factories import make_residents

    (resident,) = make_residents(users["command"], areas["grid_a"], 1)
    api = APIClient(HTTP_ACCEPT_LANGUAGE=accept) if accept else APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['grid_a']).key}")
    response = api.patch(f"/api/v1/residents/{resident.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"version": [message]}
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    not_found = api.get("/api/v1/residents/999999/").json()["detail"]
    assert (not_found == "Not found.") is (language == "en")


def test_the_api_follows_the_language_a_signed_in_user_chose(client, users, compiled_locale):
    client.force_login(users["community"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/api/v1/residents/999999/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.json() == {"detail": "Not found."}


def _template_text_outside_translations(source: str) -> str:
    """A template's own text: what is left once translated strings and comments are cut."""
    import re

    for pattern in (
        r"\{%\s*blocktranslate.*?%\}.*?\{%\s*endblocktranslate\s*%\}",
        r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}",
        r"\{#.*?#\}",
        r"\{%\s*translate\s+(\"[^\"]*\"|'[^']*').*?%\}",
        r"_\(\"[^\"]*\"\)",
    ):
        source = re.sub(pattern, "", source, flags=re.S)
    return source


def test_no_full_width_colon_is_glued_outside_a_translation():
    """ "Recipient units：攀枝花市", "Reviewer：…", "Failed：…": a label translated on its own
    followed by a full-width colon in the template stayed Chinese punctuation in English.
    The colon belongs inside the translated string (``%(name)s：%(object)s``)."""
    glued = []
    for path in sorted((Path(settings.PACKAGE_DIR) / "templates").rglob("*.html")):
        text = _template_text_outside_translations(path.read_text(encoding="utf-8"))
        glued += [f"{path.name}: {line.strip()[:80]}" for line in text.splitlines() if "：" in line]
        # "张伟（zhangwei）", "仁和镇（2026-12-02）": a detail in brackets is the language's too.
        glued += [f"{path.name}: {line[:80]}" for line in text.splitlines() if "}}（{{" in line]
    assert glued == []


def test_detail_labels_take_the_languages_colon(client, users, areas, compiled_locale):
    from fangkong.registry.models import Household

    household = Household.objects.create(area=areas["grid_a"], number="9-9-909")
    client.force_login(users["community"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "Households: 9-9-909" in body and "：9-9-909" not in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "户：9-9-909" in body


def test_lists_in_templates_take_the_languages_separator(compiled_locale):
    """An inspection group's members and a notice's recipient units read "李婷玲、谭波成" in
    English pages: templates joined them with the Chinese enumeration comma."""
    import re
    from types import SimpleNamespace

    from django.template import Context, Template
    from django.utils import translation

    people = [SimpleNamespace(display_name="甲"), SimpleNamespace(display_name="乙")]
    template = Template('{% load fangkong_text %}{{ people|joined:"display_name" }}')
    with translation.override("en"):
        assert template.render(Context({"people": people})) == "甲, 乙"
    with translation.override("zh-hans"):
        assert template.render(Context({"people": people})) == "甲、乙"
    glued = []
    for path in sorted((Path(settings.PACKAGE_DIR) / "templates").rglob("*.html")):
        text = _template_text_outside_translations(path.read_text(encoding="utf-8"))
        if re.search(r'join:"、"|%\}、\{%', text):
            glued.append(path.name)
    assert glued == []
