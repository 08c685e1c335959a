"""Shape rules shared by the 2-D layers (convolution, pooling, batch norm): the data
format, the input's layout and BigDL's output sizes -- pure functions, no computation."""
from .._validate import check_bool, check_choice, check_int

__all__ = ["FORMATS", "check_format", "check_bool", "check_pads", "layout", "out_size",
           "out_shape"]

FORMATS = ("NCHW", "NHWC")


def check_format(value, owner, name="data_format"):
    """'NCHW' or 'NHWC' in any case (BigDL's DataFormat), upper-cased."""
    return check_choice(value, owner, name, FORMATS)


def check_pads(pad_w, pad_h, owner):
    """(pad_w, pad_h) both >= 0, or both -1 (SAME)."""
    pad_w, pad_h = check_int(pad_w, owner, "pad_w"), check_int(pad_h, owner, "pad_h")
    if (pad_w == -1) != (pad_h == -1) or min(pad_w, pad_h) < -1:
        raise ValueError(f"{owner}: expected pad_w and pad_h both >= 0, or both -1 (SAME), "
                         f"got pad_w={pad_w}, pad_h={pad_h}")
    return pad_w, pad_h


def layout(shape, channels, fmt, owner):
    """(batched, N, C, H, W) of a 3-D or 4-D input in ``fmt``; ``channels`` None accepts
    any channel count."""
    nd = len(shape)
    if nd not in (3, 4):
        lay = "(N, C, H, W) or (C, H, W)" if fmt == "NCHW" else "(N, H, W, C) or (H, W, C)"
        raise ValueError(f"{owner}: expected a 4-D {lay} input ({fmt}), got a {nd}-D input "
                         f"of shape {tuple(shape)}")
    n, rest = (shape[0], shape[1:]) if nd == 4 else (1, shape)
    c, h, w = rest if fmt == "NCHW" else (rest[2], rest[0], rest[1])
    if channels is not None and c != channels:
        axis = (nd - 3 if fmt == "NCHW" else nd - 1)
        raise ValueError(f"{owner}: expected {channels} input channels on axis {axis} "
                         f"({fmt}), got {c} (input shape {tuple(shape)})")
    return nd == 4, n, c, h, w


def out_shape(batched, n, c, h, w, fmt):
    """The array shape of (n, c, h, w) in ``fmt`` (no batch axis when not ``batched``)."""
    core = (c, h, w) if fmt == "NCHW" else (h, w, c)
    return (n,) + core if batched else core


def out_size(size, k, s, pad, ceil=False):
    """(output size, pad before) of one axis: BigDL's rule, ``floor`` (or ``ceil``) of
    ``(size + 2 pad - k) / s`` + 1, minus the last window when it would start past the
    input (torch's rule); ``pad == -1`` is SAME (``ceil(size / s)`` windows, the odd padding
    after).  A result < 1 means the kernel does not fit."""
    if pad == -1:
        o = -(-size // s)
        return o, max(0, (o - 1) * s + k - size) // 2
    span = size + 2 * pad - k
    if span < 0:
        return 0, pad
    o = (-(-span // s) if ceil else span // s) + 1
    if (o - 1) * s >= size + pad:
        o -= 1
    return o, pad
