from rest_framework.routers import SimpleRouter

from .views import OutingApprovalViewSet, ScanViewSet, VenueViewSet

router = SimpleRouter()
router.register("venues", VenueViewSet, basename="venue")
router.register("scans", ScanViewSet, basename="scan")
router.register("outing-approvals", OutingApprovalViewSet, basename="outingapproval")

urlpatterns = router.urls
