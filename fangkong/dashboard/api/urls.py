from rest_framework.routers import SimpleRouter

from .views import SubmittedReportViewSet

router = SimpleRouter()
router.register("submitted-reports", SubmittedReportViewSet, basename="submittedreport")

urlpatterns = router.urls
