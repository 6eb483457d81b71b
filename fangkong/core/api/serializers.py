"""Base serializer for every app's API, and the serializers of the core endpoints.

``ScopedModelSerializer`` is what an app's serializer subclasses: personal fields are written
as plaintext and always read back masked; labels and help texts come from the models' Chinese
verbose names; relations to scoped rows accept only rows the caller can see; ``version`` is read
only. Business rules are not here: uniqueness and everything else lives in the service functions.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from fangkong.core import crypto
from fangkong.core.filtersets import plausible_year
from fangkong.core.models import AuditEntry, Job
from fangkong.core.personal import EncryptedTextField, mask, personal_fields


class TextField(serializers.CharField):
    """Text a request sends is JSON text. DRF's CharField also takes a number and keeps its
    ``str()`` (500 → "500", a phone or ID number that went through a float on the way →
    "1.38e+10"): the schema says string, so a number is the client's mistake, said as such."""

    default_error_messages = {"not_text": _("应为文本（字符串）")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class PersonalField(TextField):
    """Plaintext in, masked out (``core.personal.mask``); the plaintext needs ``reveal``."""

    def __init__(self, *, kind: str = "text", **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def to_representation(self, value):
        return mask(self.kind, value)


# The largest id a database stores (PostgreSQL bigint, SQLite INTEGER).
ID_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """A row's id in a request body (a list of contacts, a dispatch's volunteers): a whole
    number from 1 to what a database holds. Any other is an id that exists nowhere, said as
    a field error; the database driver failed on a larger one (a 500)."""

    def __init__(self, **kwargs):
        message = _("不存在该编号")
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        kwargs["error_messages"] = {"min_value": message, "max_value": message} | kwargs.get(
            "error_messages", {}
        )
        super().__init__(**kwargs)


class QueryDateField(serializers.DateField):
    """A day in an action's query string, held to the lists' date filters' years
    (``core.filtersets.plausible_year``): a day's window computed from year 1 or 9999
    overflowed (a 500)."""

    def __init__(self, **kwargs):
        kwargs["validators"] = [*kwargs.get("validators", ()), plausible_year]
        super().__init__(**kwargs)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Accepts only rows visible to the caller; any other id is reported as not existing."""

    def get_queryset(self):
        qs = super().get_queryset()
        request = self.context.get("request")
        return qs.visible_to(getattr(request, "user", None))


def _is_area(model) -> bool:
    return model._meta.label_lower == "areas.area"


class ModelSerializer(serializers.ModelSerializer):
    """Every API model serializer's base: a model's text fields are ``TextField``."""

    serializer_field_mapping = serializers.ModelSerializer.serializer_field_mapping | {
        models.CharField: TextField,
        models.TextField: TextField,
    }


class ScopedModelSerializer(ModelSerializer):
    serializer_field_mapping = ModelSerializer.serializer_field_mapping | {
        EncryptedTextField: PersonalField
    }

    def get_validators(self):
        # Uniqueness is checked by the services, with their own messages and scope checks.
        return list(getattr(getattr(self, "Meta", None), "validators", None) or [])

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is PersonalField:
            kwargs["kind"] = model_field.kind
        if "validators" in kwargs:
            kwargs["validators"] = [
                v for v in kwargs["validators"] if not isinstance(v, UniqueValidator)
            ]
        self._describe(kwargs, model_field)
        return field_class, kwargs

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        model = relation_info.related_model
        # The area of a write is checked by the service (403 "not your area"); other related
        # rows (a household, a building) must be visible to be referenced at all.
        if (
            field_class is serializers.PrimaryKeyRelatedField
            and not _is_area(model)
            and hasattr(model.objects, "visible_to")
        ):
            field_class = ScopedPrimaryKeyRelatedField
        self._describe(kwargs, relation_info.model_field)
        return field_class, kwargs

    @staticmethod
    def _describe(kwargs, model_field) -> None:
        if model_field is not None and not kwargs.get("help_text"):
            kwargs["help_text"] = model_field.verbose_name


class VersionRequiredMixin(serializers.Serializer):
    """For PUT/PATCH: the version the client read, checked by the service (409 if stale)."""

    version = serializers.IntegerField(
        min_value=1,
        label=_("版本"),
        help_text=_("修改时必填：读取记录时得到的版本号；若记录已被他人修改则返回 409"),
        error_messages={"required": _("修改时必须提供版本号（version）")},
    )

    def validate(self, attrs):
        # PATCH skips missing required fields, so the version is checked here too.
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("修改时必须提供版本号（version）")]})
        return super().validate(attrs)


@cache
def update_serializer_for(serializer_class: type) -> type:
    """``ResidentSerializer`` → ``ResidentUpdateSerializer``: the same fields plus ``version``."""
    if issubclass(serializer_class, VersionRequiredMixin):
        return serializer_class
    name = serializer_class.__name__.removesuffix("Serializer") + "UpdateSerializer"
    return type(serializer_class)(
        name,
        (VersionRequiredMixin, serializer_class),
        {"__module__": serializer_class.__module__, "__doc__": serializer_class.__doc__},
    )


# --- core endpoints ---------------------------------------------------------------------


def _masked_value(kind: str, value):
    if isinstance(value, list):
        return [_masked_value(kind, v) for v in value]
    if not value or not isinstance(value, str):
        return value
    try:
        return mask(kind, crypto.decrypt(value))
    except Exception:  # a retired key or a damaged token: show nothing of it
        return "****"


@cache
def _personal_kinds(object_type: str) -> dict[str, str]:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    return {f.name: f.kind for f in personal_fields(model)}


class AuditEntrySerializer(ModelSerializer):
    changes = serializers.SerializerMethodField(
        label=_("变更内容"), help_text=_("字段 → 值（修改时为 [原值, 新值]）；个人信息已脱敏")
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "timestamp",
            "actor_id",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "area_path",
            "changes",
            "reason",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": {}})
    def get_changes(self, entry: AuditEntry) -> dict:
        kinds = _personal_kinds(entry.object_type)
        if not isinstance(entry.changes, dict):
            return {}
        return {
            key: _masked_value(kinds[key], value) if key in kinds else value
            for key, value in entry.changes.items()
        }


class JobSerializer(ModelSerializer):
    percent = serializers.IntegerField(read_only=True, label=_("进度（%）"))
    finished = serializers.BooleanField(read_only=True, label=_("是否已结束"))

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "done",
            "total",
            "percent",
            "finished",
            "message",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
