from .alerts import Alert
from .assignments import Assignment
from .certificates import HealthCertificate
from .checkins import CheckIn
from .nucleic_acid_tests import NucleicAcidTest

__all__ = ["Alert", "Assignment", "CheckIn", "HealthCertificate", "NucleicAcidTest"]
