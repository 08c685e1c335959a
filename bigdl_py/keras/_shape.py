"""Shape inference for the Keras-style layers: pure functions on sample shapes (tuples of
ints, the batch dimension excluded, as Keras 1 writes ``input_shape``)."""
import numbers

__all__ = ["sample_shape", "describe"]


def sample_shape(value, owner, what="input_shape"):
    """``value`` (an int or a sequence of positive ints) as a tuple; ValueError/TypeError
    naming ``owner`` otherwise."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{owner}: expected a tuple of ints as {what}, got "
                        f"{type(value).__name__}")
    if not value or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool)
                            and d >= 1 for d in value):
        raise ValueError(f"{owner}: expected {what} as a non-empty tuple of ints >= 1 "
                         f"(batch dimension excluded), got {tuple(value)!r}")
    return tuple(int(d) for d in value)


def describe(shape):
    """Keras' way of printing a shape: the batch dimension as None."""
    return str((None,) + tuple(shape))
