from .designations import RiskDesignation
from .levels import RiskLevel

__all__ = ["RiskDesignation", "RiskLevel"]
