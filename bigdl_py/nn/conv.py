"""``SpatialConvolution``: BigDL's 2-D convolution, NCHW and NHWC, groups in both.

The work is ``bigdl_py._conv``: patch matrix + one GEMM per group and batch block (the
scratch is bounded and reused), backward by the transposed GEMMs and a col2im gather.  An
NCHW 1x1 stride-1 unpadded kernel without groups runs NIN's kernels (``bigdl_py._nin``),
an NHWC one reads the input as its patch matrix: no patch copy either way.  3x3 stride-1
kernels with enough planes run Winograd F(4x4, 3x3) (``_conv_winograd``).
"""
import numpy as np

from .. import _conv, _nin
from ..parallel import get_num_threads
from . import _conv_winograd
from . import nin as _nin_layer
from ._spatial import check_bool, check_format, check_pads, layout, out_shape, out_size
from .._validate import check_int
from .linear import _Dense
from .module import FusedGrads

__all__ = ["SpatialConvolution"]

# Scratch values (patches of a batch block) a layer keeps: 4M = 16 MB in float32.  A block
# holds at least one sample whatever this says.
SCRATCH_ELEMENTS = 1 << 22


class SpatialConvolution(FusedGrads, _Dense):
    r"""2-D convolution over NCHW or NHWC feature maps (BigDL's ``SpatialConvolution``).

    :math:`y[n, o, i, j] = b[o] + \sum_{c, a, b} W[o, c, a, b]\,
    x_{pad}[n, c, i s_h + a, j s_w + b]`, where group g's output planes see only its
    ``n_input_plane / n_group`` input planes.

    Parameters
    ----------
    n_input_plane, n_output_plane : int
        Input and output channels (both multiples of ``n_group``).
    kernel_w, kernel_h : int
        Kernel width and height (width first, as in BigDL).
    stride_w, stride_h : int
        Strides.
    pad_w, pad_h : int
        Zero padding on each side; both ``-1`` is SAME padding (``ceil(size / stride)``
        outputs, the odd padding row/column at the bottom/right).
    n_group : int
        Groups (in NCHW and NHWC; BigDL refuses groups in NHWC).
    propagate_back : bool
        Compute the input gradient (False: backward only accumulates the parameter
        gradients and returns an empty array, as BigDL).
    wRegularizer, bRegularizer, init_weight, init_bias, init_grad_weight, init_grad_bias,
    with_bias :
        As :class:`~bigdl_py.nn.Linear`; initial arrays have the weight's shape (or it
        with size-1 axes dropped, e.g. torch's (O, I/g, kh, kw)).
    data_format : {"NCHW", "NHWC"}
        Channels first or last (any case).
    dtype : {"float32", "float64"}, keyword-only
        Dtype of the parameters, gradients and output.

    Notes
    -----
    Weight: NCHW ``(n_group, O/g, I/g, kh, kw)``, NHWC ``(n_group, kh, kw, I/g, O/g)``
    (BigDL's layouts); bias ``(O,)``.  Default init (and ``reset()``): weight then bias,
    each :math:`U(\pm 1/\sqrt{k_w k_h I})` in row-major order from :data:`bigdl_py.RNG`
    (``"mt19937"`` gives BigDL's numbers); ``set_init_method`` passes the fans
    ``I k_w k_h`` and ``O k_w k_h``.  Training and evaluation are the same.

    Shape: NCHW ``(N, I, H, W) -> (N, O, oh, ow)``, NHWC ``(N, H, W, I) -> (N, oh, ow, O)``,
    or without the batch axis; ``oh = floor((H + 2 pad_h - kernel_h) / stride_h) + 1``.

    Memory: on the patch-matrix path, a scratch of patches for a block of samples (at most
    ``SCRATCH_ELEMENTS`` values unless one sample needs more), kept across calls;
    ``clear_state()`` frees it.  The direct kernels (few weights per group) need none.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import SpatialConvolution
    >>> m = SpatialConvolution(1, 1, 2, 2, init_weight=np.ones((2, 2)), init_bias=[0.5])
    >>> m.forward(np.arange(9, dtype=np.float32).reshape(1, 3, 3)).tolist()
    [[[8.5, 12.5], [20.5, 24.5]]]
    >>> str(SpatialConvolution(1, 6, 5, 5).set_name("conv1"))
    'SpatialConvolution[conv1](1 -> 6, 5 x 5, 1, 1, 0, 0)'
    >>> SpatialConvolution(3, 8, 3, 3, pad_w=-1, pad_h=-1, stride_w=2, stride_h=2,
    ...                    data_format="NHWC").forward(np.zeros((4, 7, 7, 3))).shape
    (4, 4, 4, 8)
    """

    def __init__(self, n_input_plane, n_output_plane, kernel_w, kernel_h, stride_w=1,
                 stride_h=1, pad_w=0, pad_h=0, n_group=1, propagate_back=True,
                 wRegularizer=None, bRegularizer=None, init_weight=None, init_bias=None,
                 init_grad_weight=None, init_grad_bias=None, with_bias=True,
                 data_format="NCHW", *, dtype="float32"):
        super().__init__()
        own = "SpatialConvolution"
        i = self.n_input_plane = check_int(n_input_plane, own, "n_input_plane", 1)
        o = self.n_output_plane = check_int(n_output_plane, own, "n_output_plane", 1)
        kw = self.kernel_w = check_int(kernel_w, own, "kernel_w", 1)
        kh = self.kernel_h = check_int(kernel_h, own, "kernel_h", 1)
        self.stride_w = check_int(stride_w, own, "stride_w", 1)
        self.stride_h = check_int(stride_h, own, "stride_h", 1)
        self.pad_w, self.pad_h = check_pads(pad_w, pad_h, own)
        g = self.n_group = check_int(n_group, own, "n_group", 1)
        if i % g or o % g:
            raise ValueError(f"{own}: expected n_input_plane and n_output_plane to be "
                             f"multiples of n_group, got {i} and {o} with n_group={g}")
        self.propagate_back = check_bool(propagate_back, own, "propagate_back")
        self.data_format = check_format(data_format, own)
        w_shape = (g, o // g, i // g, kh, kw) if self.data_format == "NCHW" \
            else (g, kh, kw, i // g, o // g)
        self._setup(i * kh * kw, o, with_bias, (), wRegularizer, bRegularizer, init_weight,
                    init_bias, init_grad_weight, init_grad_bias, dtype, w_shape=w_shape,
                    fans=(i * kh * kw, o * kh * kw))

    def _config(self):
        return {"n_input_plane": self.n_input_plane, "n_output_plane": self.n_output_plane,
                "kernel_w": self.kernel_w, "kernel_h": self.kernel_h,
                "stride_w": self.stride_w, "stride_h": self.stride_h, "pad_w": self.pad_w,
                "pad_h": self.pad_h, "n_group": self.n_group,
                "propagate_back": self.propagate_back, "wRegularizer": self.w_regularizer,
                "bRegularizer": self.b_regularizer, "with_bias": self.with_bias,
                "data_format": self.data_format, "dtype": self._dtype}

    # ---- shapes ----------------------------------------------------------------------
    def _geometry(self, x):
        """(4-D input view, output shape, kernel tuple for _conv); raises before work."""
        own = type(self).__name__
        fmt = self.data_format
        batched, n, c, h, w = layout(x.shape, self.n_input_plane, fmt, own)
        oh, pt = out_size(h, self.kernel_h, self.stride_h, self.pad_h)
        ow, pl = out_size(w, self.kernel_w, self.stride_w, self.pad_w)
        if oh < 1 or ow < 1:
            raise ValueError(
                f"{own}: expected an input of at least the kernel's size "
                f"{self.kernel_h}x{self.kernel_w} (height x width) once padded by "
                f"{self.pad_h}x{self.pad_w}, got {h}x{w} (input shape {tuple(x.shape)})")
        x4 = x if batched else x.reshape((1,) + x.shape)
        kernel = (self.kernel_h, self.kernel_w, self.stride_h, self.stride_w, pt, pl)
        return x4, out_shape(batched, n, self.n_output_plane, oh, ow, fmt), kernel

    def _nin_path(self, kernel):
        return (self.data_format == "NCHW" and self.n_group == 1
                and kernel == (1, 1, 1, 1, 0, 0))

    def _scratch(self, x4, o4, kernel):
        """The reused patch scratch for a block of samples (bounded, >= one sample), None
        when the kernels take none (the direct ones, an NHWC 1x1 kernel)."""
        per = _conv.scratch_per_sample(x4, o4, kernel, self.data_format == "NHWC",
                                       self.n_group)
        if per == 0:
            return None
        return self._reused("_conv_scratch", per * max(1, min(x4.shape[0],
                                                             SCRATCH_ELEMENTS // per)))

    def _reused(self, name, need):
        """The layer's flat scratch ``name`` of at least ``need`` values, kept across calls."""
        sc = self._buffers.get(name)
        if sc is None or sc.size < need or sc.dtype != self._dtype:
            sc = self._buffers[name] = np.empty(need, self._dtype)
        return sc

    def _nin_scratch(self, n, s):
        sc = self._buffers.get("_nin_scratch")
        need = (n * s * self.n_input_plane, n * s * self.n_output_plane)
        if sc is None or sc[0].size < need[0] or sc[1].size < need[1] \
                or sc[0].dtype != self._dtype:
            sc = self._buffers["_nin_scratch"] = tuple(np.empty(k, self._dtype) for k in need)
        return sc

    def _plane_size(self, shape4):
        return shape4[2] * shape4[3] if self.data_format == "NCHW" else shape4[1] * shape4[2]

    # ---- phases ----------------------------------------------------------------------
    def update_output(self, input):
        x4, oshape, kernel = self._geometry(input)
        out = self._buffer("output", oshape, self._dtype)
        o4 = out.reshape((x4.shape[0],) + out.shape[-3:])
        s = self._plane_size(o4.shape)
        if self._nin_path(kernel):
            n = x4.shape[0]
            _nin.forward(x4.reshape(n, self.n_input_plane, s),
                         self.weight.reshape(self.n_output_plane, self.n_input_plane),
                         self.bias, o4.reshape(n, self.n_output_plane, s),
                         *self._nin_scratch(n, s), _nin_layer.NCHW_SWAP, get_num_threads())
        elif _conv_winograd.applies(self, kernel, s):
            _conv_winograd.forward(self, x4, o4, kernel)
        else:
            _conv.forward(x4, self.weight.reshape(-1), self.bias, o4, kernel,
                          self.data_format == "NHWC", self.n_group,
                          self._scratch(x4, o4, kernel), get_num_threads())
        return out

    def _wants_input(self):
        return self.propagate_back

    def _grads(self, input, grad_output, want_input, want_params):
        """grad_input (when ``want_input``; else an empty array) and the parameter
        gradients (when ``want_params``, then the regularizers); checked before work."""
        x4, oshape, kernel = self._geometry(input)
        self._check_grad(grad_output, oshape)
        g4 = grad_output.reshape((x4.shape[0],) + oshape[-3:])
        if want_input:
            gi = self._buffer("grad_input", input.shape, self._dtype)
        else:
            gi = np.empty((0,), self._dtype)
        gi4 = gi.reshape(x4.shape) if want_input else None
        gb = self.grad_bias if want_params else None
        sw, sb = (self._scale_w, self._scale_b) if want_params else (0.0, 0.0)
        s = self._plane_size(g4.shape)
        if self._nin_path(kernel):
            n, c, o = x4.shape[0], self.n_input_plane, self.n_output_plane
            _nin.backward(x4.reshape(n, c, s), g4.reshape(n, o, s), self.weight.reshape(o, c),
                          None if gi4 is None else gi4.reshape(n, c, s),
                          self.grad_weight.reshape(o, c), gb, sw, sb,
                          *self._nin_scratch(n, s), _nin_layer.NCHW_SWAP, get_num_threads())
        elif (want_input or want_params) and _conv_winograd.applies(self, kernel, s):
            _conv_winograd.backward(self, x4, g4, gi4, gb, sw, sb, kernel)
        elif want_input or want_params:
            _conv.backward(x4, g4, self.weight.reshape(-1), gi4, self.grad_weight.reshape(-1),
                           gb, sw, sb, kernel, self.data_format == "NHWC", self.n_group,
                           self._scratch(x4, g4, kernel), get_num_threads())
        if want_params:
            self._regularize()
        return gi

    def _extra_str(self):
        return (f"({self.n_input_plane} -> {self.n_output_plane}, {self.kernel_w} x "
                f"{self.kernel_h}, {self.stride_w}, {self.stride_h}, {self.pad_w}, "
                f"{self.pad_h})")
