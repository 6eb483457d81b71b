"""What the pages that record something about one resident share (a quarantine assignment, a
test result, a case, an outing request): the resident a link names, and the one form page.

The resident comes from ``?resident=<pk>`` (the resident's own page links there) and must be
in the user's scope (404 otherwise, like every object outside it); without it the form asks
for an ID number (``status.forms.ResidentFormMixin``).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Resident

TEMPLATE = "health/resident_form.html"


def resident_from_query(request: HttpRequest) -> Resident | None:
    value = request.GET.get("resident") or request.POST.get("resident") or ""
    if not value.isdigit():
        return None
    return get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("area"), pk=int(value)
    )


def resident_form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    title: str,
    list_url: str,
    list_label: str,
    resident: Resident | None = None,
) -> HttpResponse:
    context = {"form": form, "title": title, "list_url": list_url, "list_label": list_label}
    if resident is not None:
        context["resident"] = resident
    return render(request, TEMPLATE, context)
