"""Generic API viewsets: reads start from ``visible_to(user)``, writes call service functions.

An app's viewset is configuration::

    class ResidentViewSet(ScopedModelViewSet):
        model = Resident
        selector = staticmethod(selectors.resident_list)
        serializer_class = ResidentSerializer
        filterset_class = ResidentFilterSet
        create_service = staticmethod(services.create_resident)
        update_service = staticmethod(services.update_resident)
        delete_service = staticmethod(services.delete_resident)

Rows outside the caller's area are not in the queryset, so they answer 404 to every method.
Services raise ``PermissionDenied`` (403), ``ValidationError`` (400, per field) and
``ConflictError`` (409); ``core.api.exceptions`` maps them. ``serializer.save()`` is never
called: the serializer only parses and renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from fangkong.core.models import AuditEntry, Job

from .serializers import ID_MAX, AuditEntrySerializer, JobSerializer, update_serializer_for

UPDATE_ACTIONS = ("update", "partial_update")
# A whole number as a URL writes it (ASCII digits: str.isdigit also takes "²", which int
# refuses).
INTEGER = re.compile(r"-?[0-9]+")


STANDARD_ACTIONS = frozenset(
    {"list", "retrieve", "create", "update", "partial_update", "destroy", "metadata"}
)


class BaseViewSet(viewsets.GenericViewSet):
    """A method the endpoint does not offer is 405 for everyone, before any permission check.

    ``action_perms`` names the permissions an action needs that its HTTP method does not say
    (a POST action is not ``add_<model>``: ``{"approve": ("enterprises.review_…",)}``). They
    are checked with the role, before the body is read: an account that may not act gets 403,
    never a 400 that shows it what a valid request looks like. The service checks them again
    with the area (views are not its only callers).
    """

    action_perms: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # No endpoint answers TRACE; without this, a viewset with an action named ``trace``
    # (cases) listed TRACE in its Allow header, which it then refused.
    http_method_names = [m for m in viewsets.GenericViewSet.http_method_names if m != "trace"]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        known = STANDARD_ACTIONS | {a.__name__ for a in cls.get_extra_actions()}
        unknown = set(cls.action_perms) - known
        if unknown:
            raise TypeError(f"{cls.__name__}.action_perms names no action: {sorted(unknown)}")

    def get_object(self):
        # An id no database holds exists nowhere: DRF's 404 covers a value its lookup cannot
        # convert, not one too large for the driver (a resident's status, keyed by the
        # resident, failed with OverflowError on SQLite).
        raw = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if isinstance(raw, str) and INTEGER.fullmatch(raw) and not 1 <= int(raw) <= ID_MAX:
            raise Http404
        return super().get_object()

    def check_permissions(self, request):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        super().check_permissions(request)
        needed = self.action_perms.get(self.action, ())
        if needed and not request.user.has_perms(needed):
            self.permission_denied(request, message=_("您没有执行此操作的权限"))


class ScopedGenericViewSet(BaseViewSet):
    """``get_queryset`` = ``model.objects.visible_to(user)`` passed through the selector."""

    model: ClassVar[type[models.Model] | None] = None
    # The app's list selector (``qs -> qs`` with its joins); else ``select_related(*related)``.
    selector: ClassVar[Callable[[models.QuerySet], models.QuerySet] | None] = None
    related: ClassVar[tuple[str, ...]] = ()
    # Only for models without ``Meta.ordering``: pages need a stable order.
    ordering: ClassVar[tuple[str, ...]] = ()
    # Services take ``data={...}`` (True) or the fields as keyword arguments (False).
    service_takes_data: ClassVar[bool] = True
    # Serializer for PUT/PATCH before ``version`` is added; defaults to ``serializer_class``.
    update_serializer_class: ClassVar[type | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.serializer_class is not None and hasattr(cls, "update"):
            request = update_serializer_for(cls.update_serializer_class or cls.serializer_class)
            responses = {
                200: cls.serializer_class,
                409: OpenApiResponse(description=_("版本冲突：该记录已被其他人修改")),
            }
            extend_schema_view(
                update=extend_schema(request=request, responses=responses),
                partial_update=extend_schema(request=request, responses=responses),
            )(cls)

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        if self.ordering:
            qs = qs.order_by(*self.ordering)
        selector = type(self).selector
        if selector is not None:
            return selector(qs)
        return qs.select_related(*self.related) if self.related else qs

    def filter_queryset(self, queryset):
        # The filters choose a list's rows (some hide rows unless asked for, as the cases'
        # voided ones); one row is found by its id whatever a query string would say.
        return queryset if self.detail else super().filter_queryset(queryset)

    def get_serializer_class(self):
        if self.action in UPDATE_ACTIONS:
            return update_serializer_for(self.update_serializer_class or self.serializer_class)
        return self.serializer_class

    @property
    def instance_kwarg(self) -> str:
        """Keyword under which services receive the row: ``resident=``, ``area=``…"""
        return self.model._meta.model_name

    def call_service(self, service: Callable, data: dict[str, Any], **kwargs) -> Any:
        if self.service_takes_data:
            return service(actor=self.request.user, data=data, **kwargs)
        return service(actor=self.request.user, **data, **kwargs)

    def written_response(self, instance, *, status_code=status.HTTP_200_OK) -> Response:
        """The response body for a written row, read back through the scoped queryset."""
        instance = self.get_queryset().get(pk=instance.pk)
        serializer = self.serializer_class(instance, context=self.get_serializer_context())
        return Response(serializer.data, status=status_code)

    def service_action(self, request, body_class: type, service: Callable, *, instance_kwarg=None):
        """A POST action on one row: parse ``body_class`` (with ``version``), call the service
        as ``service(actor=, <row>=, expected_version=, **fields)`` and answer the written row."""
        # The row first: one outside the caller's area is 404 whatever the body says.
        row = {instance_kwarg or self.instance_kwarg: self.get_object()}
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        version = fields.pop("version", None)
        written = service(actor=request.user, **row, expected_version=version, **fields)
        return self.written_response(written)


class ServiceCreateMixin:
    create_service: ClassVar[Callable | None] = None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.call_service(type(self).create_service, dict(serializer.validated_data))
        return self.written_response(instance, status_code=status.HTTP_201_CREATED)


class ServiceUpdateMixin:
    update_service: ClassVar[Callable | None] = None

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        if not self.service_takes_data:
            # Keyword services want every field: a PATCH keeps the current values.
            writable = [
                f.source for f in serializer.fields.values() if not f.read_only and f.source != "*"
            ]
            data = {name: data.get(name, getattr(instance, name)) for name in writable}
            data.pop("version", None)
        updated = self.call_service(
            type(self).update_service,
            data,
            **{self.instance_kwarg: instance, "expected_version": version},
        )
        return self.written_response(updated)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class ServiceDestroyMixin:
    delete_service: ClassVar[Callable | None] = None

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        type(self).delete_service(
            actor=request.user, **{self.instance_kwarg: instance}, reason=str(reason)[:500]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScopedReadOnlyModelViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet
):
    pass


class ScopedCreateReadViewSet(
    ServiceCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet
):
    """Records that are filed and then move on by actions, never edited or deleted as such."""


class ScopedModelViewSet(
    ServiceCreateMixin,
    ServiceUpdateMixin,
    ServiceDestroyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedGenericViewSet,
):
    pass


# --- core endpoints ---------------------------------------------------------------------


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseViewSet):
    """审计日志 (read only): the entries of the caller's area subtree."""

    serializer_class = AuditEntrySerializer
    filterset_fields = ["action", "object_type", "object_id"]

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user)


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseViewSet):
    """后台任务 (read only): the caller's own jobs and their progress."""

    serializer_class = JobSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return Job.objects.filter(owner=self.request.user)
