from rest_framework.routers import SimpleRouter

from .views import RiskDesignationViewSet, RiskLevelViewSet

router = SimpleRouter()
router.register("risk-levels", RiskLevelViewSet, basename="risklevel")
router.register("risk-designations", RiskDesignationViewSet, basename="riskdesignation")

urlpatterns = router.urls
