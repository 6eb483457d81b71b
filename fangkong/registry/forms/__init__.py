from .model_forms import ResidentForm, ResidentImportForm

__all__ = ["ResidentForm", "ResidentImportForm"]
