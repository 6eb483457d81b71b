from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import (
    ScopedCreateReadViewSet,
)

from .. import services
from ..filtersets import CampaignFilterSet, FindingFilterSet, VisitFilterSet
from ..models import Campaign, Finding, Visit
from .serializers import CampaignSerializer, FindingSerializer, VisitSerializer


class ScopedCreateReadViewSet(ScopedCreateReadViewSet):
    """Records that are appended, never edited: create through the service, then read."""

    service_takes_data = False


class CampaignViewSet(ScopedCreateReadViewSet):
    """摸排行动: campaigns of the caller's subtree and of the areas above that cover it."""

    model = Campaign
    related = ("area", "created_by")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet
    create_service = staticmethod(services.create_campaign)
    action_perms = {"close": ("screening.change_campaign",)}

    @extend_schema(request=None, responses=CampaignSerializer, summary=_("结束摸排行动"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def close(self, request, pk=None):
        campaign = services.close_campaign(actor=request.user, campaign=self.get_object())
        return self.written_response(campaign)


class VisitViewSet(ScopedCreateReadViewSet):
    """入户走访: visits per household; the first that finds it in or moved out settles it."""

    model = Visit
    related = ("household", "visited_by")
    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet
    create_service = staticmethod(services.record_visit)


class FindingViewSet(ScopedCreateReadViewSet):
    """摸排发现: returnees and inflow people a campaign found."""

    model = Finding
    related = ("resident",)
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    create_service = staticmethod(services.record_finding)
