from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from fangkong.core import ratelimit
from fangkong.core.api.views import ScopedReadOnlyModelViewSet
from fangkong.core.middleware import public

from .. import security, tokens
from ..models import User
from .serializers import MeSerializer, TokenResponseSerializer, UserSerializer


class UserViewSet(ScopedReadOnlyModelViewSet):
    """账号 (read only): accounts bound to the caller's area subtree."""

    model = User
    related = ("area",)
    ordering = ("username",)
    serializer_class = UserSerializer
    filterset_fields = ["role", "is_active"]

    @extend_schema(responses=MeSerializer, summary=_("当前登录的账号"))
    @action(detail=False, methods=["get"], permission_classes=[IsAuthenticated])
    def me(self, request):
        return Response(MeSerializer(request.user, context=self.get_serializer_context()).data)


class GuardedAuthTokenSerializer(AuthTokenSerializer):
    """Username/password through the same lockout and throttling as the login page."""

    def validate(self, attrs):
        username, password = attrs.get("username"), attrs.get("password")
        try:
            user = security.guarded_authenticate(self.context.get("request"), username, password)
        except DjangoValidationError as e:
            raise serializers.ValidationError(e.messages[0], code="authorization") from None
        if user.password_change_required:
            raise serializers.ValidationError(
                _("请先在网页上登录并修改管理员发给您的密码，再获取 API 令牌"),
                code="authorization",
            )
        attrs["user"] = user
        return attrs


@extend_schema(
    request=AuthTokenSerializer,
    responses=TokenResponseSerializer,
    summary=_("用用户名和密码换取 API 令牌"),
    auth=[],
)
@public
class TokenView(ObtainAuthToken):
    """POST username/password → token. Reachable signed out; throttled per client."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ratelimit.ApiRateThrottle]
    throttle_scope = "auth-token"
    serializer_class = GuardedAuthTokenSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token = tokens.issue(user)
        security.record_success(user, request)
        end = tokens.expires_at(token)
        return Response({"token": token.key, "expires_at": end.isoformat() if end else None})
