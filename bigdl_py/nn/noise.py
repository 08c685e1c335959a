"""Gaussian noise layers: ``GaussianDropout`` (multiplicative) and ``GaussianNoise``
(additive), over the fused kernels of ``bigdl_py._noise`` (SPEC §4.1)."""
import math

import numpy as np

from .. import _noise as _k
from .._tostring import java_double_str
from ..parallel import get_num_threads
from ..random import RNG
from .._validate import check_nonnegative, check_probability, check_same_shape
from .module import Module

__all__ = ["GaussianDropout", "GaussianNoise"]


class _GaussianLayer(Module):
    """Training: ``x * e`` (``_MUL``) or ``x + e`` with e ~ N(_MEAN, std^2); evaluation and
    ``std = 0``: the identity.  In "philox" mode the forward's noise is the element-indexed
    normal stream (key, offset), so it is regenerated exactly from those two integers."""

    _MEAN = 0.0
    _MUL = False
    _ELEMENTWISE = True

    def __init__(self, std, arg):
        super().__init__()
        self._std = std
        self._arg = arg  # the constructor value BigDL prints
        self._state = None  # (shape, key, offset) or (shape, z) of the training forward

    def update_output(self, input):
        x = input
        out = self._out(x)
        std = self._std
        if not self._training:
            if out is not x:
                np.copyto(out, x)
            return out
        n = x.size
        if RNG.algorithm() == "mt19937":  # BigDL: one Box-Muller normal per element
            z = RNG.mt_standard_normal(n)
            if std == 0.0:
                if out is not x:
                    np.copyto(out, x)
            else:
                _k.gauss_mt(x.reshape(-1), out.reshape(-1), z, self._MEAN, std, self._MUL)
            self._state = (x.shape, z if self._MUL else None)
        elif std == 0.0 or n == 0:  # the identity: no random numbers drawn
            if out is not x:
                np.copyto(out, x)
            self._state = (x.shape, None)
        else:
            key, offset = RNG.philox_stream()
            _k.gauss(x.reshape(-1), out.reshape(-1), self._MEAN, std, self._MUL, key, offset,
                     get_num_threads())
            self._state = (x.shape, key, offset)
        return out

    def update_grad_input(self, input, grad_output):
        check_same_shape(grad_output, input, type(self).__name__)
        g = grad_output
        out = self._buffer("grad_input", g.shape, g.dtype)
        if not self._MUL or not self._training:
            np.copyto(out, g)
            return out
        return self._noise_grad(g, out)

    def _noise_grad(self, g, out):
        owner = type(self).__name__
        state = self._state
        if state is None:
            raise RuntimeError(f"{owner}: expected a training-mode forward before a "
                               "training-mode backward, got none")
        if g.shape != state[0]:
            raise ValueError(f"{owner}: expected grad_output of shape {state[0]} (the last "
                             f"training forward's), got {g.shape}")
        if len(state) == 3:  # regenerate the forward's noise from its counters
            _k.gauss(g.reshape(-1), out.reshape(-1), self._MEAN, self._std, True, state[1],
                     state[2], get_num_threads())
        elif state[1] is None or self._std == 0.0:
            np.copyto(out, g)
        else:
            _k.gauss_mt(g.reshape(-1), out.reshape(-1), state[1], self._MEAN, self._std, True)
        return out

    def _state_nbytes(self):
        """Bytes of noise state kept for backward: 16 (key and offset) in "philox" mode."""
        state = self._state
        if state is None or not self._MUL:
            return 0
        if len(state) == 3:
            return 16
        return 0 if state[1] is None else state[1].nbytes

    def clear_state(self):
        self._state = None
        return super().clear_state()

    def _extra_str(self):
        return f"({java_double_str(self._arg)})"


class GaussianDropout(_GaussianLayer):
    r"""Multiplicative 1-centred Gaussian noise (BigDL ``GaussianDropout``).

    Training: :math:`y = x \cdot e`, :math:`e \sim N(1, \mathrm{rate}/(1-\mathrm{rate}))`
    drawn per element; backward :math:`g \cdot e` with the forward's ``e`` (BigDL draws
    fresh noise there, a bug fixed here).  Evaluation: the identity.  ``rate = 0`` is the
    identity.

    Parameters
    ----------
    rate : float
        Drop probability as with Dropout, in [0, 1); the noise standard deviation is
        ``sqrt(rate / (1 - rate))``.

    Shape
    -----
    Any shape; the output has the input's shape and float dtype.

    Notes
    -----
    In "philox" mode the layer keeps only the stream's (key, offset) — 16 bytes — and
    regenerates the noise in backward.

    Examples
    --------
    >>> import numpy as np
    >>> m = GaussianDropout(0.5)
    >>> x = np.ones((2, 3), np.float32)
    >>> y = m.forward(x)
    >>> bool(np.array_equal(m.backward(x, x), y))  # g * e with the forward's e
    True
    >>> m.evaluate().forward(x)
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """

    _MEAN = 1.0
    _MUL = True

    def __init__(self, rate):
        rate = check_probability(rate, "GaussianDropout", "rate", upper_open=True)
        super().__init__(math.sqrt(rate / (1.0 - rate)), rate)
        self.rate = rate

    def _config(self):
        return {"rate": self.rate}


class GaussianNoise(_GaussianLayer):
    r"""Additive zero-centred Gaussian noise (BigDL ``GaussianNoise``, Lasagne
    ``GaussianNoiseLayer``).

    Training: :math:`y = x + e`, :math:`e \sim N(0, \mathrm{stddev}^2)` per element;
    backward ``g``.  Evaluation: the identity.  ``stddev = 0`` is the identity.

    Parameters
    ----------
    stddev : float
        Standard deviation of the noise, >= 0.

    Shape
    -----
    Any shape; the output has the input's shape and float dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py import RNG
    >>> RNG.set_algorithm("mt19937"); RNG.set_seed(9)
    >>> GaussianNoise(0.2).forward(np.ones((2, 3), np.float32))
    array([[1.190023  , 1.0124038 , 0.7648297 ],
           [0.99722993, 0.975397  , 1.0006535 ]], dtype=float32)
    >>> RNG.set_algorithm("philox")
    """

    def __init__(self, stddev):
        stddev = check_nonnegative(stddev, "GaussianNoise", "stddev")
        super().__init__(stddev, stddev)
        self.stddev = stddev

    def _config(self):
        return {"stddev": self.stddev}
