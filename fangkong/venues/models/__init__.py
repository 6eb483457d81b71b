from .outings import OutingApproval
from .scans import Scan
from .venues import Venue

__all__ = ["OutingApproval", "Scan", "Venue"]
