from rest_framework.routers import SimpleRouter

from .views import CampaignViewSet, FindingViewSet, VisitViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("visits", VisitViewSet, basename="visit")
router.register("findings", FindingViewSet, basename="finding")

urlpatterns = router.urls
