from rest_framework.routers import SimpleRouter

from .views import (
    InspectionGroupViewSet,
    InspectionTaskViewSet,
    InspectionVisitViewSet,
    ProblemSummaryViewSet,
    ProblemViewSet,
)

router = SimpleRouter()
router.register("inspection-groups", InspectionGroupViewSet, basename="inspectiongroup")
router.register("inspection-tasks", InspectionTaskViewSet, basename="inspectiontask")
router.register("inspection-visits", InspectionVisitViewSet, basename="inspectionvisit")
router.register("problems", ProblemViewSet, basename="problem")
router.register("problem-summaries", ProblemSummaryViewSet, basename="problemsummary")

urlpatterns = router.urls
