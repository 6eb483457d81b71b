from .overrides import StatusOverride
from .person_status import PersonStatus
from .policies import StatusPolicy

__all__ = ["PersonStatus", "StatusOverride", "StatusPolicy"]
