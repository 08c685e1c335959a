"""``SpatialMaxPooling`` and ``SpatialAveragePooling``: BigDL's 2-D pooling, NCHW and NHWC.

The work is one OpenMP pass in ``bigdl_py._pooling``.  Output sizes follow BigDL (floor or
ceil of ``(size + 2 pad - k) / stride`` + 1; both pads -1 is SAME), with torch's rule that a
window starting past the input is dropped (SPEC 9).
"""
import numpy as np

from .. import _pooling
from ..parallel import get_num_threads
from ._spatial import check_bool, check_format, check_pads, layout, out_shape, out_size
from .._validate import check_int
from .module import Module

__all__ = ["SpatialMaxPooling", "SpatialAveragePooling"]


class _Pool(Module):
    """Kernel, stride and padding checked once; ``_geometry`` gives the shapes per input."""

    def _setup(self, kw, kh, dw, dh, pad_w, pad_h, ceil, fmt, global_pooling=False):
        own = type(self).__name__
        self.kw = check_int(kw, own, "kw", 1)
        self.kh = check_int(kh, own, "kh", 1)
        self.dw = check_int(dw, own, "dw", 1)
        self.dh = check_int(dh, own, "dh", 1)
        self.pad_w, self.pad_h = check_pads(pad_w, pad_h, own)
        if not global_pooling and (self.pad_w > self.kw // 2 or self.pad_h > self.kh // 2):
            raise ValueError(f"{own}: expected pads at most half the kernel (pad_w <= "
                             f"{self.kw // 2}, pad_h <= {self.kh // 2}), got pad_w="
                             f"{self.pad_w}, pad_h={self.pad_h}")
        self.ceil_mode = ceil
        self.format = check_format(fmt, own, "format")

    def _kernel(self, h, w):
        return self.kh, self.kw

    def _geometry(self, x):
        """(4-D input, output shape, kernel tuple for _pooling); raises before any work."""
        own = type(self).__name__
        batched, n, c, h, w = layout(x.shape, None, self.format, own)
        kh, kw = self._kernel(h, w)
        ph, pw = self.pad_h, self.pad_w
        oh, pt = out_size(h, kh, self.dh, ph, self.ceil_mode)
        ow, pl = out_size(w, kw, self.dw, pw, self.ceil_mode)
        if oh < 1 or ow < 1:
            raise ValueError(f"{own}: expected an input of at least the kernel's size "
                             f"{kh}x{kw} (height x width) once padded by {ph}x{pw}, got "
                             f"{h}x{w} (input shape {tuple(x.shape)})")
        pb = pt if ph >= 0 else max(0, (oh - 1) * self.dh + kh - h) - pt
        pr = pl if pw >= 0 else max(0, (ow - 1) * self.dw + kw - w) - pl
        x4 = x if batched else x.reshape((1,) + x.shape)
        return x4, out_shape(batched, n, c, oh, ow, self.format), (kh, kw, self.dh, self.dw,
                                                                   pt, pl, pb, pr)

    def _grad_buffers(self, input, grad_output):
        x4, oshape, kernel = self._geometry(input)
        self._check_grad(grad_output, oshape)
        gi = self._buffer("grad_input", input.shape, input.dtype)
        return gi.reshape(x4.shape), grad_output.reshape((x4.shape[0],) + oshape[-3:]), \
            kernel, gi

    def _extra_str(self):
        return f"({self.kw}, {self.kh}, {self.dw}, {self.dh}, {self.pad_w}, {self.pad_h})"


class SpatialMaxPooling(_Pool):
    """2-D max pooling (BigDL's ``SpatialMaxPooling``).

    Parameters
    ----------
    kw, kh : int
        Window width and height.
    dw, dh : int
        Strides (no defaults, as in BigDL).
    pad_w, pad_h : int
        Implicit padding, at most half the kernel (padding never wins a maximum); both -1
        is SAME.
    to_ceil : bool
        Ceil instead of floor in the output size (a fixed setting; BigDL may switch itself
        back to floor).
    format : {"NCHW", "NHWC"}
        Channels first or last (any case).

    The first maximum in row-major window order wins; NaN propagates (a window holding NaN
    gives NaN).  Backward adds each output's gradient at its maximum's position (windows
    that overlap accumulate).  Training and evaluation are the same.

    Shape: NCHW ``(N, C, H, W) -> (N, C, oh, ow)``, NHWC ``(N, H, W, C) -> (N, oh, ow, C)``,
    or without the batch axis; ``oh = floor((H + 2 pad_h - kh) / dh) + 1`` (ceil with
    ``to_ceil``; a last window starting past the input is dropped).

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import SpatialMaxPooling
    >>> m = SpatialMaxPooling(2, 2, 2, 2)
    >>> m.forward(np.arange(16.0).reshape(1, 4, 4)).tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    >>> str(m.set_name("pool1"))
    'SpatialMaxPooling[pool1](2, 2, 2, 2, 0, 0)'
    """

    def __init__(self, kw, kh, dw, dh, pad_w=0, pad_h=0, to_ceil=False, format="NCHW"):
        super().__init__()
        self._setup(kw, kh, dw, dh, pad_w, pad_h,
                    check_bool(to_ceil, "SpatialMaxPooling", "to_ceil"), format)

    def _config(self):
        return {"kw": self.kw, "kh": self.kh, "dw": self.dw, "dh": self.dh,
                "pad_w": self.pad_w, "pad_h": self.pad_h, "to_ceil": self.ceil_mode,
                "format": self.format}

    def update_output(self, input):
        x4, oshape, kernel = self._geometry(input)
        out = self._buffer("output", oshape, input.dtype)
        idx = self._buffers.get("_argmax")
        if idx is None or idx.shape != out.shape:
            idx = self._buffers["_argmax"] = np.empty(out.shape, np.int32)
        self._buffers["_argmax_of"] = input.shape
        o4 = (x4.shape[0],) + oshape[-3:]
        _pooling.max_forward(x4, out.reshape(o4), idx.reshape(o4), kernel,
                             self.format == "NHWC", get_num_threads())
        return out

    def update_grad_input(self, input, grad_output):
        gi4, g4, kernel, gi = self._grad_buffers(input, grad_output)
        if self._buffers.get("_argmax_of") != input.shape:
            raise RuntimeError(f"SpatialMaxPooling: expected backward after a forward of the "
                               f"same input shape {tuple(input.shape)}, got "
                               f"{self._buffers.get('_argmax_of')}")
        _pooling.max_backward(g4, self._buffers["_argmax"].reshape(g4.shape), gi4, kernel,
                              self.format == "NHWC", get_num_threads())
        return gi


class SpatialAveragePooling(_Pool):
    """2-D average pooling (BigDL's ``SpatialAveragePooling``).

    Parameters
    ----------
    kw, kh : int
        Window width and height (ignored with ``global_pooling``).
    dw, dh : int
        Strides.
    pad_w, pad_h : int
        Implicit zero padding, at most half the kernel; both -1 is SAME.
    global_pooling : bool
        The window is the whole input (H x W) at every forward.
    ceil_mode : bool
        Ceil instead of floor in the output size.
    count_include_pad : bool
        Divide by the window clipped to the padded input (True) or to the input.
    divide : bool
        False multiplies the average by ``kw * kh`` (BigDL: a plain sum when every window is
        full).
    format : {"NCHW", "NHWC"}
        Channels first or last (any case).

    Backward spreads each output's gradient (divided the same way) over its window.
    Shapes as :class:`SpatialMaxPooling`.  Training and evaluation are the same.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import SpatialAveragePooling
    >>> SpatialAveragePooling(2, 2, 2, 2).forward(np.arange(16.0).reshape(1, 4, 4)).tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    >>> SpatialAveragePooling(3, 3, global_pooling=True).forward(np.ones((2, 5, 4, 3))).shape
    (2, 5, 1, 1)
    """

    def __init__(self, kw, kh, dw=1, dh=1, pad_w=0, pad_h=0, global_pooling=False,
                 ceil_mode=False, count_include_pad=True, divide=True, format="NCHW"):
        super().__init__()
        own = "SpatialAveragePooling"
        self.global_pooling = check_bool(global_pooling, own, "global_pooling")
        self.count_include_pad = check_bool(count_include_pad, own, "count_include_pad")
        self.divide = check_bool(divide, own, "divide")
        self._setup(kw, kh, dw, dh, pad_w, pad_h, check_bool(ceil_mode, own, "ceil_mode"),
                    format, self.global_pooling)

    def _config(self):
        return {"kw": self.kw, "kh": self.kh, "dw": self.dw, "dh": self.dh,
                "pad_w": self.pad_w, "pad_h": self.pad_h,
                "global_pooling": self.global_pooling, "ceil_mode": self.ceil_mode,
                "count_include_pad": self.count_include_pad, "divide": self.divide,
                "format": self.format}

    def _kernel(self, h, w):
        return (h, w) if self.global_pooling else (self.kh, self.kw)

    def _mult(self, kernel):
        return 1.0 if self.divide else float(kernel[0] * kernel[1])

    def update_output(self, input):
        x4, oshape, kernel = self._geometry(input)
        out = self._buffer("output", oshape, input.dtype)
        _pooling.avg_forward(x4, out.reshape((x4.shape[0],) + oshape[-3:]), kernel,
                             self.format == "NHWC", self.count_include_pad,
                             self._mult(kernel), get_num_threads())
        return out

    def update_grad_input(self, input, grad_output):
        gi4, g4, kernel, gi = self._grad_buffers(input, grad_output)
        _pooling.avg_backward(g4, gi4, kernel, self.format == "NHWC", self.count_include_pad,
                              self._mult(kernel), get_num_threads())
        return gi
