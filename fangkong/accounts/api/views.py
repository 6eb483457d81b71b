from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from fangkong.core.api.views import ScopedReadOnlyModelViewSet
from fangkong.core.middleware import public

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
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"
