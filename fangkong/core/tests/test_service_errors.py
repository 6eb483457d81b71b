"""The two ways a view shows a service's refusal: on the form, or as a message."""

from __future__ import annotations

import json

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from fangkong.core.views.generic import error_text, service_errors, service_messages


class NoteForm(forms.Form):
    note = forms.CharField()


def _request():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_error_text_joins_every_message_of_a_validation_error():
    error = ValidationError({"note": ["须填写原因"], "__all__": ["记录已被他人修改"]})
    assert error_text(error) == "须填写原因 记录已被他人修改"
    assert error_text(ValidationError("已办结，不能再改")) == "已办结，不能再改"


def test_error_text_of_a_bare_permission_denied_is_not_empty():
    assert error_text(PermissionDenied("不在您的区域")) == "不在您的区域"
    assert error_text(PermissionDenied()) == "您没有执行此操作的权限"


def test_service_messages_turns_a_refusal_into_an_error_message_and_skips_the_rest():
    request = _request()
    reached = []
    with service_messages(request):
        raise ValidationError("已办结，不能再改")
        reached.append(True)  # pragma: no cover - the raise ends the block
    with service_messages(request):
        raise PermissionDenied()
    assert reached == []
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [
        ("error", "已办结，不能再改"),
        ("error", "您没有执行此操作的权限"),
    ]


def test_service_messages_lets_other_errors_through():
    request = _request()
    try:
        with service_messages(request):
            raise KeyError("a bug, not a refusal")
    except KeyError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a programming error must not become a message")
    assert list(get_messages(request)) == []


def test_service_errors_puts_field_errors_on_their_field():
    form = NoteForm(data={"note": "x"})
    assert form.is_valid()
    with service_errors(form):
        raise ValidationError({"note": ["太短"], "other": ["不在表单上的字段"]})
    assert form.errors["note"] == ["太短"]
    assert form.non_field_errors() == ["不在表单上的字段"]
    with service_errors(form):
        raise PermissionDenied()
    assert "您没有执行此操作的权限" in form.non_field_errors()


# --- a unique constraint refusing a write (two people saving the same record at once) ------


def _refused_write(make) -> BaseException:
    """The exception the database raises for ``make()``, inside a transaction of its own."""
    from django.db import transaction

    try:
        with transaction.atomic():
            make()
    except Exception as e:  # what a view would let escape
        return e
    raise AssertionError("the database accepted the write")


def test_a_write_a_unique_constraint_refuses_is_answered_409_not_a_server_error(areas):
    """Only a race gets past the services' checks to the constraint: the user is told
    nothing was saved and to look again, as a page with the way back, or JSON under /api/."""
    from django.conf import settings

    from fangkong.areas.models import Area
    from fangkong.core.middleware import WriteConflictMiddleware

    assert settings.MIDDLEWARE[-1] == "fangkong.core.middleware.WriteConflictMiddleware"
    city = areas["city"]
    refused = _refused_write(
        lambda: Area.objects.create(code=city.code, name="重名", level=city.level)
    )
    middleware = WriteConflictMiddleware(lambda request: None)
    page_request = RequestFactory().post(
        "/prices/markets/add/", HTTP_REFERER="http://testserver/prices/markets/"
    )
    page = middleware.process_exception(page_request, refused)
    assert page.status_code == 409
    text = page.content.decode()
    assert "有人刚刚保存了相同的记录，本次提交未能保存" in text
    assert 'href="http://testserver/prices/markets/"' in text
    # A way back only to this site.
    elsewhere = RequestFactory().post("/x/", HTTP_REFERER="https://example.com/")
    assert 'href="/"' in middleware.process_exception(elsewhere, refused).content.decode()
    api = middleware.process_exception(RequestFactory().post("/api/v1/markets/"), refused)
    assert api.status_code == 409
    assert json.loads(api.content)["code"] == "conflict"
    # Any other refusal stays the server error it is (logged, 500).
    orphan = _refused_write(lambda: Area.objects.create(code="999999", name="x", level=None))
    assert middleware.process_exception(page_request, orphan) is None
    assert middleware.process_exception(page_request, ValueError("x")) is None
