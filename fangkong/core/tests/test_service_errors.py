"""The two ways a view shows a service's refusal: on the form, or as a message."""

from __future__ import annotations

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
