from .cases import Case
from .contacts import Contact

__all__ = ["Case", "Contact"]
