from .cases import Case
from .contacts import Contact
from .exposures import Exposure

__all__ = ["Case", "Contact", "Exposure"]
