"""Shape inference for the Keras-style layers: pure functions on sample shapes (tuples of
ints, the batch dimension excluded, as Keras 1 writes ``input_shape``)."""
from .._validate import check_int_tuple, is_int

__all__ = ["sample_shape", "describe", "image", "image_shape", "window_length",
           "pair"]


def sample_shape(value, owner, what="input_shape"):
    """``value`` (an int or a sequence of positive ints) as a tuple; ValueError/TypeError
    naming ``owner`` otherwise."""
    shape = check_int_tuple((value,) if is_int(value) else value, owner, what)
    if not shape or min(shape) < 1:
        raise ValueError(f"{owner}: expected {what} as a non-empty tuple of ints >= 1 "
                         f"(batch dimension excluded), got {shape!r}")
    return shape


def describe(shape):
    """Keras' way of printing a shape: the batch dimension as None (a list of shapes for
    several inputs)."""
    if isinstance(shape, list):
        return "[" + ", ".join(map(describe, shape)) + "]"
    return str((None,) + tuple(shape))


def image(shape, order, owner):
    """(channels, rows, cols) of a 3-D sample shape in ``order`` ("th": (C, H, W), "tf":
    (H, W, C)); ValueError naming ``owner`` for another rank."""
    if len(shape) != 3:
        layout = "(channels, rows, cols)" if order == "th" else "(rows, cols, channels)"
        raise ValueError(f"{owner}: expected 3-D samples {layout} for dim_ordering="
                         f"{order!r}, got input of shape {describe(shape)}")
    return (shape[0], shape[1], shape[2]) if order == "th" else (shape[2], shape[0], shape[1])


def image_shape(c, h, w, order):
    """The sample shape of ``c`` maps of ``h`` x ``w`` in ``order``."""
    return (c, h, w) if order == "th" else (h, w, c)


def window_length(n, k, stride, mode):
    """Outputs along an axis of ``n`` for a window ``k`` and ``stride``: Keras'
    ``conv_output_length`` ("valid": floor((n - k) / stride) + 1; "same": ceil(n / stride));
    0 when a "valid" window does not fit."""
    if mode == "same":
        return -(-n // stride)
    return max(0, (n - k) // stride + 1)


def pair(value, owner, what):
    """``value`` as a (rows, cols) tuple of two ints >= 1."""
    rows_cols = check_int_tuple(value, owner, what)
    if len(rows_cols) != 2 or min(rows_cols) < 1:
        raise ValueError(f"{owner}: expected {what} as 2 ints >= 1 (rows, cols), got "
                         f"{rows_cols!r}")
    return rows_cols
