"""Weight regularizers (BigDL's ``L1Regularizer``, ``L2Regularizer``, ``L1L2Regularizer``).

A layer's ``acc_grad_parameters`` calls ``acc_regularization(w, grad_w, scale)``, which
adds the gradient of ``l1 * |w|_1 + l2/2 * |w|^2`` times the layer's scale:
``grad += l1 * scale * sign(w)`` then ``grad += l2 * scale * w`` (BigDL: ``l2 * w``, not
``2 * l2 * w``; sign(0) = 0; a zero rate adds nothing).

>>> import numpy as np
>>> from bigdl_py.nn.regularizer import L1L2Regularizer
>>> w = np.array([-2.0, 0.0, 3.0]); g = np.zeros(3)
>>> L1L2Regularizer(0.1, 0.5).acc_regularization(w, g, 1.0)
>>> g.tolist()
[-1.1, 0.0, 1.6]
"""
import numpy as np

from .. import _linear
from .._validate import check_number
from ..parallel import get_num_threads

__all__ = ["Regularizer", "L1L2Regularizer", "L1Regularizer", "L2Regularizer"]


class Regularizer:
    """Base of the regularizers: ``acc_regularization(parameter, grad, scale)``."""

    def acc_regularization(self, parameter, grad, scale):
        raise NotImplementedError(type(self).__name__)


class L1L2Regularizer(Regularizer):
    """``grad += l1 * scale * sign(w) + l2 * scale * w`` (in that order, as BigDL)."""

    def __init__(self, l1, l2):
        owner = type(self).__name__
        self.l1 = check_number(l1, owner, "l1", low=0)
        self.l2 = check_number(l2, owner, "l2", low=0)

    def acc_regularization(self, parameter, grad, scale):
        """Add the regularization gradient of ``parameter`` into ``grad`` (same shape and
        dtype, C-contiguous), scaled by ``scale``."""
        if parameter is None or grad is None:
            return
        if not isinstance(grad, np.ndarray) or grad.shape != parameter.shape \
                or grad.dtype != parameter.dtype:
            raise ValueError(f"{type(self).__name__}: expected a gradient like the parameter "
                             f"{parameter.shape} {parameter.dtype}, got "
                             f"{getattr(grad, 'shape', type(grad).__name__)}")
        _linear.regularize(parameter.reshape(-1), grad.reshape(-1), self.l1 * scale,
                           self.l2 * scale, get_num_threads())

    def __repr__(self):
        return f"{type(self).__name__}({self.l1}, {self.l2})"


class L1Regularizer(L1L2Regularizer):
    """``grad += l1 * scale * sign(w)``."""

    def __init__(self, l1):
        super().__init__(l1, 0.0)

    def __repr__(self):
        return f"L1Regularizer({self.l1})"


class L2Regularizer(L1L2Regularizer):
    """``grad += l2 * scale * w``."""

    def __init__(self, l2):
        super().__init__(0.0, l2)

    def __repr__(self):
        return f"L2Regularizer({self.l2})"
