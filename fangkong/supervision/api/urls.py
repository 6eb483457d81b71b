from rest_framework.routers import SimpleRouter

from .views import (
    InspectionGroupViewSet,
    InspectionTaskViewSet,
    ProblemSummaryViewSet,
    ProblemViewSet,
    VisitViewSet,
)

router = SimpleRouter()
router.register("inspection-groups", InspectionGroupViewSet, basename="inspectiongroup")
router.register("inspection-tasks", InspectionTaskViewSet, basename="inspectiontask")
router.register("inspection-visits", VisitViewSet, basename="visit")
router.register("problems", ProblemViewSet, basename="problem")
router.register("problem-summaries", ProblemSummaryViewSet, basename="problemsummary")

urlpatterns = router.urls
