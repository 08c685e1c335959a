"""BigDL 2.x's ``bigdl.dllib.keras`` package: ``layers``, ``models`` and ``optimizers``
re-export ``bigdl_py.keras`` (0-based labels for sparse categorical cross-entropy)."""
from . import layers, models, optimizers

__all__ = ["layers", "models", "optimizers"]
