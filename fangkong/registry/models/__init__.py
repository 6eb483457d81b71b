from .buildings import Building
from .households import Household
from .residents import Resident

__all__ = ["Building", "Household", "Resident"]
