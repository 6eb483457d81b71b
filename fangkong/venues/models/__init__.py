from .outings import OutingApproval
from .scans import Scan, ScanDayCount
from .venues import Venue

__all__ = ["OutingApproval", "Scan", "ScanDayCount", "Venue"]
