"""``NIN``: Lasagne's NINLayer as a module, a 1x1 convolution over any trailing dims.

NHWC (channels last) is one GEMM over all positions (``bigdl_py._linear``).  NCHW copies
(N, C, S) to (C, N*S) in runs of S values and runs one GEMM per product over all samples
(``bigdl_py._nin``, strategy "swap"), the copies fusing the bias add and the bias sums.  One
GEMM per sample from a C loop (no copies) is ~10% faster on an idle machine, but each BLAS
call waits for its threads, which made it ~3x slower whenever another process held a core
(benchmarks/bench_linear.py, row "nin NCHW one GEMM per sample").
"""
import math

import numpy as np

from .. import _linear, _nin
from .._validate import check_bool, check_choice, check_int_tuple
from ..parallel import get_num_threads
from .linear import _Dense
from .module import FusedGrads

__all__ = ["NIN"]

FORMATS = ("NCHW", "NHWC")
NCHW_SWAP = True  # NCHW strategy: one GEMM over (C, N*S) copies, or (False) one per sample


def _swap(positions):
    """The NCHW strategy for N*S ``positions``: swap unless turned off or the (C, N*S)
    copies would need a BLAS leading dimension past a C int."""
    return NCHW_SWAP and positions < 2 ** 31


def nin_layout(shape, input_size, data_format, spatial_shape, owner="NIN"):
    """(batch, spatial dims) of an input ``shape``, checked: rank >= 2, ``input_size``
    channels on axis 1 (NCHW) or last (NHWC), spatial dims equal to ``spatial_shape`` when
    that is given."""
    nd = len(shape)
    if nd < 2:
        lay = "(N, C, *spatial)" if data_format == "NCHW" else "(N, *spatial, C)"
        raise ValueError(f"{owner}: expected an input of rank >= 2 {lay} for "
                         f"{data_format}, got a {nd}D input of shape {tuple(shape)}")
    axis = 1 if data_format == "NCHW" else nd - 1
    if shape[axis] != input_size:
        raise ValueError(f"{owner}: expected input with {input_size} channels on axis {axis} "
                         f"({data_format}), got {shape[axis]} (input shape {tuple(shape)})")
    spatial = tuple(shape[2:]) if data_format == "NCHW" else tuple(shape[1:-1])
    if spatial_shape is not None and spatial != spatial_shape:
        raise ValueError(f"{owner}: expected spatial shape {spatial_shape} (spatial_shape), "
                         f"got {spatial} (input shape {tuple(shape)})")
    return shape[0], spatial


class NIN(FusedGrads, _Dense):
    r"""Network-in-network layer: the same dense map applied at every position.

    :math:`y[n, :, p] = W x[n, :, p] + b` for every position ``p`` of the trailing
    (spatial) dims: a 1x1 convolution in 1D, 2D, 3D, ... (Lasagne's ``NINLayer``).

    Parameters
    ----------
    input_size, output_size : int
        Channels in and out; ``weight`` is (output_size, input_size).
    with_bias : bool
        Add a bias.
    untie_biases : bool
        One bias per output channel *and* position: ``bias`` is
        (output_size, \*spatial_shape); needs ``spatial_shape``.
    spatial_shape : tuple of int or None
        The input's spatial dims; when given, other spatial dims are a ValueError.
    data_format : {"NCHW", "NHWC"}
        Channels on axis 1 or last (case-insensitive).
    wRegularizer, bRegularizer : bigdl_py.optim.Regularizer or None
        Added to the weight / bias gradient in ``acc_grad_parameters``.
    init_weight, init_bias : array_like or None, keyword-only
        Initial values (copied, cast to ``dtype``; kept by ``reset()``).
    dtype : {"float32", "float64"}, keyword-only
        Dtype of the parameters, gradients and output.

    Notes
    -----
    Initialisation, ``set_init_method``, scales and regularizers are Linear's; the
    default draws weight then bias from :math:`U(-1/\sqrt{in}, 1/\sqrt{in})`.  Training and
    evaluation are the same.  Backward: ``grad_input = W^T G`` at every position,
    ``grad_weight += scale_w * sum_{n,p} G X^T``, ``grad_bias += scale_b * sums of G``
    over samples and positions (tied) or over samples (untied).

    Shape: NCHW ``(N, C, *S) -> (N, O, *S)``; NHWC ``(N, *S, C) -> (N, *S, O)``;
    ``(N, C) -> (N, O)`` in both.

    Memory: with NCHW input the layer keeps two scratch arrays the size of the input and the
    output (reused across calls, freed by ``clear_state()``); NHWC needs none.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import NIN
    >>> m = NIN(3, 2, init_weight=np.ones((2, 3)), init_bias=[0.0, 1.0])
    >>> m.forward(np.ones((1, 3, 2, 2), np.float32))[0, :, 0, 0].tolist()
    [3.0, 4.0]
    >>> NIN(3, 5, data_format="NHWC").forward(np.ones((4, 7, 3))).shape
    (4, 7, 5)
    """

    def __init__(self, input_size, output_size, with_bias=True, untie_biases=False,
                 spatial_shape=None, data_format="NCHW", wRegularizer=None,
                 bRegularizer=None, *, init_weight=None, init_bias=None, dtype="float32"):
        super().__init__()
        untie_biases = check_bool(untie_biases, "NIN", "untie_biases")
        data_format = check_choice(data_format, "NIN", "data_format", FORMATS)
        if spatial_shape is not None:
            spatial_shape = check_int_tuple(spatial_shape, "NIN", "spatial_shape", 1)
        if untie_biases and spatial_shape is None:
            raise ValueError("NIN: expected spatial_shape with untie_biases=True (one bias per "
                             "output channel and position), got None")
        self.untie_biases = untie_biases
        self.spatial_shape = spatial_shape
        self.data_format = data_format
        self._setup(input_size, output_size, with_bias, spatial_shape if untie_biases else (),
                    wRegularizer, bRegularizer, init_weight, init_bias, None, None, dtype)

    def _config(self):
        return dict(self._dense_config(), untie_biases=self.untie_biases,
                    spatial_shape=self.spatial_shape, data_format=self.data_format)

    def _layout(self, x):
        """(N, S, output shape) for input ``x``; raises before any work."""
        n, spatial = nin_layout(x.shape, self.input_size, self.data_format,
                                self.spatial_shape)
        out = (n, self.output_size) + spatial if self.data_format == "NCHW" \
            else (n,) + spatial + (self.output_size,)
        return n, math.prod(spatial), out

    def _scratch(self, positions):
        """Two private scratch vectors for NCHW, (input_size * positions,) and
        (output_size * positions,), kept across calls (grown when needed), and whether the
        swap strategy runs (not from 2**31 positions: BLAS leading dimensions are ints)."""
        if not _swap(positions):
            return None, None, False
        sc = self._buffers.get("_nchw_scratch")
        need = (self.input_size * positions, self.output_size * positions)
        if sc is None or sc[0].size < need[0]:
            sc = self._buffers["_nchw_scratch"] = tuple(np.empty(k, self._dtype)
                                                         for k in need)
        return sc + (True,)

    def _flat_bias(self, b):
        return None if b is None else b.reshape(-1)

    def update_output(self, input):
        n, s, out_shape = self._layout(input)
        out = self._buffer("output", out_shape, self._dtype)
        c, o, b = self.input_size, self.output_size, self._flat_bias(self.bias)
        if self.data_format == "NCHW" and s > 1:
            _nin.forward(input.reshape(n, c, s), self.weight, b, out.reshape(n, o, s),
                         *self._scratch(n * s), get_num_threads())
        else:  # NHWC, or no spatial extent: rows of channels
            _linear.linear_forward(input.reshape(n * s, c), self.weight, b,
                                   out.reshape(n * s, o), s if self.untie_biases else 1,
                                   get_num_threads())
        return out

    def _grads(self, input, grad_output, want_input, want_params):
        """grad_input (when ``want_input``) and the parameter gradients (when
        ``want_params``, then the regularizers); shapes checked before any work."""
        n, s, out_shape = self._layout(input)
        self._check_grad(grad_output, out_shape)
        gi = self._buffer("grad_input", input.shape, self._dtype) if want_input else None
        c, o = self.input_size, self.output_size
        gb = self._flat_bias(self.grad_bias) if want_params else None
        sw, sb = (self._scale_w, self._scale_b) if want_params else (0.0, 0.0)
        if self.data_format == "NCHW" and s > 1:
            _nin.backward(input.reshape(n, c, s), grad_output.reshape(n, o, s), self.weight,
                          None if gi is None else gi.reshape(n, c, s), self.grad_weight, gb,
                          sw, sb, *self._scratch(n * s), get_num_threads())
        else:  # NHWC, or no spatial extent: rows of channels
            x2, g2 = input.reshape(n * s, c), grad_output.reshape(n * s, o)
            if want_input:
                _linear.linear_grad_input(g2, self.weight, gi.reshape(n * s, c),
                                          get_num_threads())
            if want_params:
                _linear.linear_acc_grad(x2, g2, self.grad_weight, gb, sw, sb,
                                        s if self.untie_biases else 1, get_num_threads())
        if want_params:
            self._regularize()
        return gi

    def _extra_str(self):
        extra = ", NHWC" if self.data_format == "NHWC" else ""
        if self.untie_biases:
            extra += f", untied {self.spatial_shape}"
        return f"({self._sizes()}{extra})"
