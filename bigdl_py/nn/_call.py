"""``Module``'s call protocol: ``forward`` and ``backward`` convert the input, run the
layer's phases and give the result back as the caller passed it (a fresh ndarray, or the
module's reused Tensor), with the one in-place mechanism and the memory-order rule of
``nn._placement`` for element-wise layers, and the reusable storage ``_buffer`` gives.
``FusedGrads`` is the mixin of layers computing both backward phases in one pass.

Reused storage (SPEC §4: no allocation in a training loop): a call with a Tensor reuses the
module's buffers, and so does every call a ``Sequential`` makes into its children during such
a call (``_forward`` / ``_grad_input_phase`` with the call's *pass token*): a child's output
and input gradient are then its own arrays, overwritten by its next call of that kind, as in
BigDL Scala and Torch.  A module called twice in one pass (shared) gets fresh arrays on the
second call, so neither result overwrites the other.  Under a guarded container (all or
nothing, ``nn.container``) a reused forward alternates between two buffers, so a failed
forward leaves the last successful forward's outputs intact.

>>> import numpy as np
>>> from bigdl_py.nn import ReLU
>>> x = np.array([[-1.0, 2.0]])
>>> ReLU(ip=True).forward(x) is x, x.tolist()
(True, [[0.0, 2.0]])
"""
import itertools

import numpy as np

from ..tensor import Tensor
from .._validate import check_same_shape, to_array
from . import _activity, _placement

__all__ = ["Calls", "FusedGrads"]

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_PASSES = itertools.count(1)  # pass tokens: one per Tensor call that reuses buffers


class Calls:
    """``forward``/``backward`` and their conversions, for ``Module``."""

    #: what ``forward`` accepts: False = arrays only, True = tables (lists) only, None =
    #: either (a list holding arrays at its leaves is a table).  See ``nn._activity``.
    _TAKES_TABLE = False
    #: an element-wise layer: the output has the input's shape and ``update_output`` takes
    #: its output array from ``_out(x)``, which may be ``x`` itself (so the layer must
    #: compute correctly with ``out is x``).  ``forward`` then writes in place when the
    #: layer's ``_INPLACE`` flag is on, and lays a fresh ndarray result (and the gradient)
    #: out like the input, as ``np.empty_like`` does.
    _ELEMENTWISE = False
    #: the name of the layer's in-place flag attribute (BigDL's ``"inplace"`` or ``"ip"``):
    #: when it is on, ``forward`` writes into the array ``_inplace_target`` picks (the
    #: input; a table layer's element), which ``update_output`` gets while ``_overwrite``
    _INPLACE = None
    _overwrite = False  # _out(x) gives x: set by forward around update_output only
    # reused storage (see the module docstring): whether _buffer reuses, the token this
    # call passes to a container's children (0: none), the last pass this module ran in,
    # whether its children keep two forward buffers, and which of the two this forward uses
    _reuse = False
    _token = 0
    _stamp = 0
    _keep = False
    _flip = False
    _slot = False

    def _takes_table(self):
        return self._TAKES_TABLE

    def _input(self, value, what="input"):
        takes = self._takes_table()
        tp = type(value)
        if (tp is np.ndarray or tp is Tensor) and takes is not True:
            # what the chain passes along: a C-contiguous array (or a Tensor's) already of
            # the dtype the conversion below would give is taken as it is (the same
            # result, cheaper)
            a = value if tp is np.ndarray else value._a
            dt, want = a.dtype, self._dtype if takes is False else None
            if (dt is want or (want is None and (dt is _F32 or dt is _F64))) \
                    and a.flags.c_contiguous:
                return a, "ndarray" if tp is np.ndarray else "tensor"
        if takes is False:
            if _activity.is_table_like(value):
                raise TypeError(f"{type(self).__name__}: expected an array as {what}, got a "
                                f"table (a list of {len(value)} arrays)")
            return to_array(value, type(self).__name__, self._dtype, what)
        return _activity.to_activity(value, type(self).__name__, what, takes)

    def _grad_output(self, grad_output, input):
        """``grad_output`` converted like the last output (a table for a table), else to
        an array of the input's dtype."""
        tp = type(grad_output)
        if (tp is np.ndarray or tp is Tensor) and type(input) is np.ndarray \
                and type(self.output) is not list:
            g = grad_output if tp is np.ndarray else grad_output._a
            if g.dtype is input.dtype and g.flags.c_contiguous:
                return g  # already what the conversion below would give
        owner = type(self).__name__
        if isinstance(self.output, list) or (
                self.output is None and _activity.is_table_like(grad_output)):
            like = self.output
            if like is None:
                return _activity.to_activity(grad_output, owner, "grad_output", True)[0]
            return _activity.to_like(grad_output, like, owner)
        dtype = input.dtype if isinstance(input, np.ndarray) else None
        return to_array(grad_output, owner, dtype, "grad_output")[0]

    def forward(self, input):
        """Compute the output; a Tensor in gives this module's reused output Tensor.  An
        element-wise layer with its in-place flag on writes into the caller's writable
        float32/float64 array or Tensor (strided views included) and returns that same
        object; other input (integers, read-only, lists) gets a fresh result and stays
        untouched."""
        return self._forward(input)

    def _forward(self, input, token=0, keep=False):
        """``forward``; a container reusing its buffers calls its children with its pass
        ``token`` (and ``keep``: it runs guarded, so a reused output alternates between
        two buffers), making them reuse theirs (ndarray results)."""
        x, kind = self._input(input)
        self._start(kind, token)
        self._keep = keep
        if keep and self._reuse:
            self._flip = not self._flip
            self._slot = self._flip
        else:
            self._slot = False
        inplace = self._INPLACE is not None and getattr(self, self._INPLACE)
        if not (self._ELEMENTWISE or inplace):
            out = self.update_output(x)
            self._forwarded = True
            self.output = self._mirror(out, kind, "output")
            return self.output
        target = self._inplace_target(input, x) if inplace else None
        layout = None
        if target is None and self._ELEMENTWISE and kind == "ndarray" and x is not input:
            layout = _placement.layout_target(input, x.dtype)  # x is input: C-ordered
        # x is overwritten in place, or when it is this call's scratch copy of the input
        self._overwrite = target is not None or layout is not None and \
            not np.may_share_memory(x, input)
        try:
            out = self.update_output(x)
        finally:
            self._overwrite = False
        self._forwarded = True
        if target is not None:  # copied back only when x was a scratch copy of a view
            given, arr = target
            if not np.may_share_memory(out, arr):
                np.copyto(arr, out)
            self.output = given
            return given
        self.output = self._result(out, input, kind, "output", layout)
        return self.output

    def _start(self, kind, token):
        """Set ``_reuse`` and ``_token`` for a call with input of ``kind`` in pass ``token``
        (0: not called by a container reusing its buffers).  A token outlives its call:
        a container's phase method called on its own passes the stale token on, and its
        children, which ran in that pass already, then give fresh arrays."""
        if token:
            self._reuse = self._stamp != token  # a second call in the pass: fresh arrays
            self._stamp = token
        else:
            self._reuse = kind == "tensor"
            token = next(_PASSES) if self._reuse else 0
        self._token = token

    def backward(self, input, grad_output):
        """Gradient w.r.t. the input; parameter gradients are accumulated (added)."""
        x, g, kind = self._backward_args(input, grad_output)
        grad_input = self._backward(x, g)
        self.grad_input = self._result(grad_input, input, kind, "grad_input")
        return self.grad_input

    def _inplace_target(self, input, x):
        """(the object an in-place forward returns, the caller's array it writes into), or
        None for the fallback (see ``nn._placement.inplace_target``); the array is
        ``input``'s.  A table layer picks the element it writes into."""
        arr = _placement.inplace_target(input, x, type(self).__name__, self._INPLACE)
        return None if arr is None else (input, arr)

    def _out(self, x):
        """The array an element-wise ``update_output`` writes into: ``x`` itself when
        ``forward`` lets it (an in-place call, or ``x`` is a scratch copy), else the
        output buffer."""
        return x if self._overwrite else self._buffer("output", x.shape, x.dtype)

    def _result(self, arr, value, kind, name, layout=None):
        """``arr`` as the caller gets it: in this module's Tensor for Tensor input; for an
        element-wise layer's ndarray ``value``, laid out like ``value`` (``layout``, or a
        new ``np.empty_like`` array when that is not C-ordered)."""
        if kind == "tensor":
            return self._mirror(arr, kind, name)
        if self._ELEMENTWISE and isinstance(arr, np.ndarray):
            if layout is None and not (type(value) is np.ndarray and value.flags.c_contiguous):
                layout = _placement.layout_target(value, arr.dtype)
            if layout is not None:
                np.copyto(layout, arr)
                return layout
        return arr

    def _backward_args(self, input, grad_output, token=0):
        """(input, grad_output, kind) converted for the backward phases, after the
        call-order check; sets up the buffers for pass ``token`` as ``_forward``."""
        if self._training and not self._forwarded:
            raise RuntimeError(f"{type(self).__name__}: expected forward before backward in "
                               "training mode, got backward first")
        x, kind = self._input(input)
        g = self._grad_output(grad_output, x)
        self._start(kind, token)
        self._slot = False
        return x, g, kind

    def _backward(self, input, grad_output):
        """``update_grad_input`` then ``acc_grad_parameters`` on converted arrays; a layer
        may override this to fuse the two phases (same results)."""
        grad_input = self.update_grad_input(input, grad_output)
        self.acc_grad_parameters(input, grad_output)
        return grad_input

    def _buffer(self, name, shape, dtype):
        """Storage for a result: reused across calls when the caller passes Tensors
        (BigDL/Torch semantics) or a container reusing its buffers calls (see the module
        docstring), fresh otherwise (the caller owns the array)."""
        if not self._reuse:
            return np.empty(shape, dtype=dtype)
        if self._slot:
            name += "'"  # the second of a guarded forward's two buffers
        buf = self._buffers.get(name)
        if buf is not None and buf.shape == shape and buf.dtype is dtype:
            return buf  # the common case, kept lean
        if buf is None or buf.shape != tuple(shape) or buf.dtype != dtype:
            buf = self._buffers[name] = np.empty(shape, dtype=dtype)
        return buf

    def _mirror(self, arr, kind, name):
        if kind != "tensor":
            return arr
        if isinstance(arr, list):  # a table: one reused Tensor per position
            return [self._mirror(a, kind, f"{name}.{i}") for i, a in enumerate(arr)]
        t = self._tensors.get(name)
        if t is None:
            t = self._tensors[name] = Tensor.from_numpy(arr)
        else:
            t._a = arr
        return t

    def _check_grad(self, grad_output, like):
        """ValueError unless ``grad_output`` has the shape of ``like`` (an array or a
        shape)."""
        check_same_shape(grad_output, like, type(self).__name__)


class FusedGrads:
    """Mixin for a layer whose ``_grads(input, grad_output, want_input, want_params)``
    computes the input gradient and the parameter gradients in one pass: the three backward
    entry points call it.  ``_wants_input()`` says whether the input gradient is computed
    (SpatialConvolution's ``propagate_back``)."""

    def _wants_input(self):
        return True

    def update_grad_input(self, input, grad_output):
        return self._grads(input, grad_output, self._wants_input(), False)

    def acc_grad_parameters(self, input, grad_output):
        self._grads(input, grad_output, False, True)

    def _backward(self, input, grad_output):
        return self._grads(input, grad_output, self._wants_input(), True)
