"""bigdl_py.keras: BigDL's Keras-style API (Keras 1.2.2 names) as a facade over
``bigdl_py.nn`` and ``bigdl_py.optim`` (also at BigDL's paths ``bigdl_py.dllib.keras``
and, with BigDL 0.x's 1-based labels, ``bigdl_py.nn.keras``)."""
from . import layers, models, optimizers

__all__ = ["layers", "models", "optimizers"]
