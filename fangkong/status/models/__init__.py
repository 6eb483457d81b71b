from .colour_counts import ColourCount
from .overrides import StatusOverride
from .person_status import PersonStatus
from .policies import StatusPolicy

__all__ = ["ColourCount", "PersonStatus", "StatusOverride", "StatusPolicy"]
