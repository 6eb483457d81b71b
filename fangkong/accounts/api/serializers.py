from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import ModelSerializer, TextField

from ..models import User


class UserSerializer(ModelSerializer):
    """账号 (read only): who signs in, with which role, for which area."""

    area_name = TextField(
        source="area.name", read_only=True, default=None, allow_null=True, label=_("所属区域名称")
    )

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "area", "area_name", "is_active"]
        read_only_fields = fields


class MeSerializer(UserSerializer):
    """The signed-in account, with the permissions its role grants."""

    permissions = serializers.SerializerMethodField(label=_("权限"))

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "permissions"]
        read_only_fields = fields

    def get_permissions(self, user: User) -> list[str]:
        return sorted(user.get_all_permissions())


class TokenResponseSerializer(serializers.Serializer):
    token = TextField(label=_("令牌"), help_text=_("请求头写作 Authorization: Token <令牌>"))
    expires_at = serializers.DateTimeField(
        label=_("有效期至"),
        allow_null=True,
        help_text=_("过期后用用户名和密码重新获取；null：不过期"),
    )
