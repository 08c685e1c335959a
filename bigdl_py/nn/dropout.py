"""Bernoulli dropout: the family base and ``Dropout`` (SPEC §4.1).

One private base (also behind ``SpatialDropout1D/2D/3D``, in ``spatial_dropout.py``)
validates the arguments once, plans the mask for an input shape (which axes share one
keep decision) and runs the fused kernels of ``bigdl_py._dropout``.  After a training
forward a layer keeps only the packed keep bits (1 bit per mask entry).
"""
import numpy as np

from .. import _dropout as _k
from .._tostring import java_double_str
from ..parallel import get_num_threads
from ..random import RNG
from .._validate import (check_bool, check_int_tuple, check_probability,
                         check_same_shape)
from .module import Module

__all__ = ["Dropout"]

_SELECT, _DIV, _MUL = 0, 1, 2  # kept value: x, x / (T)f, x * (T)f


def mask_groups(shape, shared):
    """Collapse ``shape`` into ``(size, shared)`` groups for the broadcast kernel.

    Size-1 axes are dropped and adjacent axes with the same ``shared`` flag merged; the
    mask has one entry per index of the non-shared axes (row-major).

    >>> mask_groups((64, 56, 56, 256), (False, True, True, False))
    ((64, False), (3136, True), (256, False))
    """
    groups = []
    for size, sh in zip(shape, shared):
        if size == 1:
            continue
        if groups and groups[-1][1] == bool(sh):
            groups[-1][0] *= size
        else:
            groups.append([size, bool(sh)])
    return tuple((s, sh) for s, sh in groups) or ((1, False),)


class _MaskDropout(Module):
    """Shared machinery: p and scale checked once; training forward draws one keep
    decision per mask entry (element-wise, or shared over the axes `_shared_axes` names),
    evaluation is ``x`` (scale) or ``x * (1-p)``; backward uses the forward's mask."""

    _REUSED_STATE = ("_bits",)  # refilled in place by the next training forward
    _ELEMENTWISE = True
    _INPLACE = "inplace"  # Module.forward's one in-place mechanism

    def __init__(self, init_p, scale, inplace):
        super().__init__()
        owner = type(self).__name__
        self.p = check_probability(init_p, owner, "init_p")
        self.scale = check_bool(scale, owner, "scale")
        self.inplace = check_bool(inplace, owner, "inplace")
        self._plans = {}
        self._bits = None
        self._state = None  # (shape, q, bits or None, groups, scale) of the training forward

    def _shared_axes(self, shape):
        """The set of axes the mask is shared over; ValueError for an unusable shape."""
        raise NotImplementedError

    def _plan(self, shape):
        plan = self._plans.get(shape)
        if plan is None:
            shared = self._shared_axes(shape)
            flags = [i in shared for i in range(len(shape))]
            groups = mask_groups(shape, flags)
            m = 1
            for size, sh in groups:
                if not sh:
                    m *= size
            if len(self._plans) >= 16:
                self._plans.clear()
            plan = self._plans[shape] = (groups, m, len(groups) == 1 and not groups[0][1])
        return plan

    def _bits_for(self, m):
        bits = self._bits
        if bits is None or bits.shape[0] != (m + 63) >> 6:
            bits = self._bits = np.empty((m + 63) >> 6, np.uint64)
        return bits

    # ---- phases ------------------------------------------------------------------------
    def update_output(self, input):
        x = input
        groups, m, elementwise = self._plan(x.shape)  # validates before any work
        out = self._out(x)  # x itself in place
        p = self.p
        fx, fo = x.reshape(-1), out.reshape(-1)
        if not self._training:
            if self.scale or p == 0.0:
                if out is not x:
                    np.copyto(out, x)
            else:
                _k.scale(fx, fo, 1.0 - p, get_num_threads())
            return out
        q = 1.0 - p
        mode = _DIV if self.scale else _SELECT
        bits = None
        mt = RNG.algorithm() == "mt19937"
        if x.size == 0:
            pass
        elif q == 0.0:  # zeros, even where BigDL's u <= 0 would keep (u == 0)
            if mt:
                RNG.mt_raw(m)  # BigDL draws them all the same
            fo.fill(0)
        elif mt:  # BigDL: one draw per mask entry, keep when u <= 1-p
            bits = self._bits_for(m)
            _k.mt_bits(bits, RNG.mt_raw(m), q)
            _k.apply(fx, fo, bits, groups, q, mode, get_num_threads())
        elif p == 0.0:  # the identity: no random numbers drawn
            if out is not x:
                np.copyto(out, x)
        else:
            key, offset = RNG.philox_stream()
            bits = self._bits_for(m)
            if elementwise:
                _k.forward(fx, fo, bits, q, mode, q, key, offset, get_num_threads())
            else:
                nt = get_num_threads()
                _k.mask_bits(bits, m, q, key, offset, nt)
                _k.apply(fx, fo, bits, groups, q, mode, nt)
        self._state = (x.shape, q, bits, groups, self.scale)
        return out

    def update_grad_input(self, input, grad_output):
        owner = type(self).__name__
        check_same_shape(grad_output, input, owner)
        g = grad_output
        out = self._buffer("grad_input", g.shape, g.dtype)
        fg, fo = g.reshape(-1), out.reshape(-1)
        if not self._training:  # the derivative of the evaluation forward
            if self.scale or self.p == 0.0:
                np.copyto(out, g)
            else:
                _k.scale(fg, fo, 1.0 - self.p, get_num_threads())
            return out
        if self._state is None:
            raise RuntimeError(f"{owner}: expected a training-mode forward before a "
                               "training-mode backward, got none")
        shape, q, bits, groups, scale = self._state
        if g.shape != shape:
            raise ValueError(f"{owner}: expected grad_output of shape {shape} (the last "
                             f"training forward's), got {g.shape}")
        if bits is not None:
            if scale:
                _k.apply(fg, fo, bits, groups, 1.0 / q if q > 0 else 0.0, _MUL,
                         get_num_threads())
            else:
                _k.apply(fg, fo, bits, groups, 1.0, _SELECT, get_num_threads())
        elif q == 1.0:
            np.copyto(out, g)
        else:
            fo.fill(0)
        return out

    # ---- state ---------------------------------------------------------------------------
    def _state_nbytes(self):
        """Bytes of mask state kept for backward by the last training forward."""
        if self._state is None or self._state[2] is None:
            return 0
        return self._state[2].nbytes

    def clear_state(self):
        self._state = None
        self._bits = None
        self._plans.clear()
        return super().clear_state()

    def set_p(self, p):
        """Set the drop probability (a number in [0, 1]); returns self."""
        self.p = check_probability(p, type(self).__name__, "p")
        return self

    def get_p(self):
        """The drop probability."""
        return self.p

    def _extra_str(self):
        return f"({java_double_str(self.p)})"


class Dropout(_MaskDropout):
    r"""Drop each element with probability ``p`` (BigDL ``Dropout``, Lasagne ``DropoutLayer``).

    Training: :math:`y_i = m_i x_i / (1-p)` (``scale=True``) or :math:`m_i x_i`, with
    :math:`m_i \sim \mathrm{Bernoulli}(1-p)`; a dropped element is 0 whatever its value
    (NaN and inf included), a kept NaN stays NaN.  Evaluation: :math:`y = x` when
    ``scale`` else :math:`x (1-p)`.  Backward: ``g * m / (1-p)`` (``g * m`` without
    scale) with the forward's mask; in evaluation mode the derivative of the evaluation
    forward.  ``p = 0`` is the exact identity (no random numbers drawn in "philox" mode),
    ``p = 1`` gives zeros.

    Parameters
    ----------
    init_p : float
        Drop probability in [0, 1].
    inplace : bool
        Write the result into the caller's array and return that same object, when it is
        a writable float32/float64 ndarray (strided views included) or a Tensor;
        otherwise (integers, read-only, lists) a new array, the input untouched.  A
        writable array whose elements share memory is a ValueError.  Backward uses the
        saved mask, so it is the same after an in-place forward.
    scale : bool
        Inverted scaling by ``1/(1-p)`` during training.
    shared_axes : tuple of int, keyword-only
        Axes (negative allowed) along which one keep decision is shared: ``(2, 3)`` drops
        whole channels of NCHW maps (Lasagne ``dropout_channels``), ``(1,)`` whole
        locations (``dropout_locations``), ``(0,)`` the same mask for the whole batch.

    Shape
    -----
    Any shape; the output has the input's shape and float dtype (integers -> float32).

    Notes
    -----
    "philox" mode keeps 1 bit per mask entry for backward (packed keep bits); the
    mask is one fused pass with the scaling, independent of the thread count.
    "mt19937" mode reproduces BigDL's numbers: one draw per mask entry in row-major order,
    keep when ``u <= 1-p``, kept ``x / (T)(1-p)``, backward ``g * (T)(1/(1-p))``.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py import RNG
    >>> RNG.set_algorithm("mt19937"); RNG.set_seed(1)
    >>> m = Dropout(0.5)
    >>> x = np.arange(1, 9).reshape(2, 4)
    >>> m.forward(x)
    array([[ 2.,  0.,  0.,  0.],
           [10., 12., 14.,  0.]], dtype=float32)
    >>> m.backward(x, 0.5 * x)
    array([[1., 0., 0., 0.],
           [5., 6., 7., 0.]], dtype=float32)
    >>> m.evaluate().forward(x)[1]
    array([5., 6., 7., 8.], dtype=float32)
    >>> RNG.set_algorithm("philox")
    """

    def __init__(self, init_p=0.5, inplace=False, scale=True, *, shared_axes=()):
        super().__init__(init_p, scale, inplace)
        self.shared_axes = check_int_tuple(shared_axes, "Dropout", "shared_axes")

    def _config(self):
        return {"init_p": self.p, "inplace": self.inplace, "scale": self.scale,
                "shared_axes": self.shared_axes}

    def _shared_axes(self, shape):
        nd = len(shape)
        axes = set()
        for a in self.shared_axes:
            b = a + nd if a < 0 else a
            if not 0 <= b < nd:
                raise ValueError(f"Dropout: expected shared_axes in [-{nd}, {nd}) for a "
                                 f"{nd}-D input, got axis {a} of shared_axes="
                                 f"{self.shared_axes} for input shape {tuple(shape)}")
            axes.add(b)
        return axes
