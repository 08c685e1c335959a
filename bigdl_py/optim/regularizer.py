"""The weight regularizers, defined in :mod:`bigdl_py.nn.regularizer` (layers take them,
and ``nn`` does not depend on ``optim``); this module keeps the ``bigdl_py.optim`` path
(BigDL's ``bigdl.optim.optimizer.L2Regularizer`` and the like)."""
from ..nn.regularizer import L1L2Regularizer, L1Regularizer, L2Regularizer, Regularizer

__all__ = ["Regularizer", "L1L2Regularizer", "L1Regularizer", "L2Regularizer"]
