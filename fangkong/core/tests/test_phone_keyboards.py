"""The keyboard a phone opens for an ID number or a phone number.

An ID number gets the letter keyboard in capitals: one number in eleven ends in X, and the
numeric keypad the public volunteer sign-up opened has no X, so those citizens could not
sign up from their phone. A phone number gets the dial pad, in every form that asks for one
(the resident form, the tip form and others opened the letter keyboard)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core.forms import IdNumberInput, PhoneInput
from fangkong.enterprises.forms import EmployeeForm, EnterpriseForm
from fangkong.volunteers.forms import VolunteerForm


def _input(html: str, name: str) -> str:
    found = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert len(found) == 1, name
    return found[0]


def _assert_id_number(tag: str) -> None:
    assert 'inputmode="numeric"' not in tag
    assert 'type="text"' in tag
    assert 'autocapitalize="characters"' in tag and 'autocomplete="off"' in tag


def _assert_phone(tag: str) -> None:
    assert 'type="tel"' in tag and 'inputmode="tel"' in tag


@pytest.mark.parametrize(
    ("user", "url", "id_fields", "phone_fields"),
    [
        (None, "volunteers:signup", ["id_number"], ["phone"]),
        (None, "tips:submit", [], ["contact_phone"]),
        ("grid_a", "registry:resident_add", ["id_number"], ["phone"]),
        ("grid_a", "health:assignment_add", ["id_number"], []),
        ("grid_a", "status:override_add", ["id_number"], []),
        ("community", "volunteers:volunteer_add", ["id_number"], ["phone"]),
    ],
)
def test_id_and_phone_numbers_open_the_right_keyboard(users, user, url, id_fields, phone_fields):
    client = Client()
    if user:
        client.force_login(users[user])
    response = client.get(reverse(url))
    assert response.status_code == 200
    html = response.content.decode()
    for name in id_fields:
        _assert_id_number(_input(html, name))
    for name in phone_fields:
        _assert_phone(_input(html, name))


def test_the_enterprise_and_volunteer_forms_use_the_shared_inputs():
    for form_class, fields in (
        (EnterpriseForm, {"contact_phone": PhoneInput}),
        (EmployeeForm, {"id_number": IdNumberInput, "phone": PhoneInput}),
        (VolunteerForm, {"id_number": IdNumberInput, "phone": PhoneInput}),
    ):
        for name, widget in fields.items():
            assert isinstance(form_class.base_fields[name].widget, widget), (form_class, name)
