from fangkong.core.api.views import ScopedReadOnlyModelViewSet

from .. import selectors
from ..filtersets import SubmittedReportRevisionFilterSet
from ..models import SubmittedReport
from .serializers import SubmittedReportSerializer


class SubmittedReportViewSet(ScopedReadOnlyModelViewSet):
    """日报报送: the reports sent in the caller's subtree, every revision, figures as stored."""

    model = SubmittedReport
    selector = staticmethod(selectors.submitted_list)
    serializer_class = SubmittedReportSerializer
    filterset_class = SubmittedReportRevisionFilterSet
