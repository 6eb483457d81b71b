"""The import engine every module uses to take Excel/CSV lists in.

Declare an ``Importer`` (``base.py``) in your app's ``importers.py`` and ``@register`` it;
``engine.run_import`` does reading, header detection, parsing, validation, matching,
batching, writing, audit, progress and the rejected-rows file; ``core.jobs`` runs it in the
background. See ``fangkong/registry/importers.py`` for a complete example.
"""

from .base import (
    Column,
    ImportContext,
    Importer,
    PendingRow,
    get_importer,
    id_number_column,
    importers,
    phone_column,
    register,
)
from .engine import (
    ImportFileError,
    ImportResult,
    RowError,
    create_records,
    run_import,
    summary,
    template_workbook,
)

__all__ = [
    "Column",
    "ImportContext",
    "ImportFileError",
    "ImportResult",
    "Importer",
    "PendingRow",
    "RowError",
    "create_records",
    "get_importer",
    "id_number_column",
    "importers",
    "phone_column",
    "register",
    "run_import",
    "summary",
    "template_workbook",
]
