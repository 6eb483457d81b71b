from rest_framework.routers import SimpleRouter

from .views import (
    AlertViewSet,
    AssignmentViewSet,
    CheckInViewSet,
    HealthCertificateViewSet,
    NucleicAcidTestViewSet,
)

router = SimpleRouter()
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("check-ins", CheckInViewSet, basename="checkin")
router.register("alerts", AlertViewSet, basename="alert")
router.register("nucleic-acid-tests", NucleicAcidTestViewSet, basename="nucleicacidtest")
router.register("certificates", HealthCertificateViewSet, basename="healthcertificate")

urlpatterns = router.urls
