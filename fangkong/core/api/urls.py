from rest_framework.routers import SimpleRouter

from .views import AuditEntryViewSet, JobViewSet

router = SimpleRouter()
router.register("audit-entries", AuditEntryViewSet, basename="auditentry")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = router.urls
