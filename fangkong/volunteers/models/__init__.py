from .needs import Assignment, DispatchBatch, Need, Shift
from .teams import Team
from .volunteers import PartyReport, Volunteer

__all__ = ["Assignment", "DispatchBatch", "Need", "PartyReport", "Shift", "Team", "Volunteer"]
