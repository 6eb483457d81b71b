from .campaigns import Campaign
from .findings import Finding
from .visits import Visit

__all__ = ["Campaign", "Finding", "Visit"]
