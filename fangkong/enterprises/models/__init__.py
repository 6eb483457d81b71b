from .difficulties import Difficulty
from .employees import Employee
from .enterprises import Enterprise, EnterpriseAccount, IndustrialPark
from .liaisons import Inspection, InspectionProblem, LiaisonAssignment
from .reports import DailyReport, ReportReminder
from .resumption import ResumptionApplication

__all__ = [
    "DailyReport",
    "Difficulty",
    "Employee",
    "Enterprise",
    "EnterpriseAccount",
    "IndustrialPark",
    "Inspection",
    "InspectionProblem",
    "LiaisonAssignment",
    "ReportReminder",
    "ResumptionApplication",
]
