from .checklists import ChecklistItem, ChecklistTemplate
from .groups import InspectionGroup
from .photos import Photo
from .problems import Problem, ProblemEvent
from .summaries import ProblemSummary
from .tasks import InspectionTask
from .visits import ChecklistAnswer, Visit

__all__ = [
    "ChecklistAnswer",
    "ChecklistItem",
    "ChecklistTemplate",
    "InspectionGroup",
    "InspectionTask",
    "Photo",
    "Problem",
    "ProblemEvent",
    "ProblemSummary",
    "Visit",
]
