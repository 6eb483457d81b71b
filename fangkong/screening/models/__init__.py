from .campaigns import Campaign
from .counts import CoverageCount, HouseholdCount
from .findings import Finding
from .visits import Visit

__all__ = ["Campaign", "CoverageCount", "Finding", "HouseholdCount", "Visit"]
