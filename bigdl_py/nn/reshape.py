"""``Reshape`` and ``View``: BigDL's shape layers, with BigDL's batch rules.

The output is a view of the (converted) input when that is contiguous; backward reshapes
the gradient back to the input's shape.  No computation, so no kernel.
"""
import math

from .._validate import check_int, check_int_tuple, is_int
from .module import Module

__all__ = ["Reshape", "View"]


def _sizes(value, owner, name, allow_infer):
    """A list/tuple of ints > 0 (one -1 allowed when ``allow_infer``), as a tuple."""
    sizes = check_int_tuple([value] if is_int(value) else value, owner, name, nonempty=True)
    bad = [v for v in sizes if v < 1 and not (allow_infer and v == -1)]
    if bad or sizes.count(-1) > 1:
        rule = "ints > 0 and at most one -1" if allow_infer else "ints > 0"
        raise ValueError(f"{owner}: expected {name} of {rule}, got {list(sizes)}")
    return sizes


class _Shape(Module):
    """Shape-only layers: ``_target(shape)`` gives the output shape (raising first)."""

    def update_output(self, input):
        return input.reshape(self._target(input.shape))

    def update_grad_input(self, input, grad_output):
        self._check_grad(grad_output, input.reshape(self._target(input.shape)))
        return grad_output.reshape(input.shape)

    def _extra_str(self):
        return "(" + "x".join(str(s) for s in self.size) + ")"


class Reshape(_Shape):
    """Reshape each sample (or the whole input) to ``size`` (BigDL's ``Reshape``).

    Parameters
    ----------
    size : list of int
        The shape of one sample (ints > 0).
    batch_mode : bool or None
        True: the first axis is a batch, the output is ``(N, *size)``.  False: the whole
        input becomes ``size``.  None (default): the whole input when it has exactly
        ``prod(size)`` elements and a first axis other than 1, else batch mode (BigDL's
        rule: a leading 1 counts as a batch).

    Shape: ``(N, ...) -> (N, *size)`` or ``(...) -> size``; the element count must match
    (ValueError otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import Reshape
    >>> Reshape([2, 3, 4]).forward(np.zeros((5, 24))).shape
    (5, 2, 3, 4)
    >>> Reshape([2, 3, 4]).forward(np.zeros(24)).shape
    (2, 3, 4)
    >>> str(Reshape([1, 28, 28]).set_name("reshape"))
    'Reshape[reshape](1x28x28)'
    """

    def __init__(self, size, batch_mode=None):
        super().__init__()
        self.size = _sizes(size, "Reshape", "size", False)
        if batch_mode is not None and not isinstance(batch_mode, bool):
            raise TypeError(f"Reshape: expected batch_mode True, False or None, got "
                            f"{batch_mode!r}")
        self.batch_mode = batch_mode

    def _config(self):
        return {"size": list(self.size), "batch_mode": self.batch_mode}

    def _target(self, shape):
        count, total = math.prod(self.size), math.prod(shape)
        whole = self.batch_mode is False or (
            self.batch_mode is None and total == count and (not shape or shape[0] != 1))
        if whole:
            if total != count:
                raise ValueError(f"Reshape: expected an input of {count} elements for size "
                                 f"{list(self.size)}, got {total} (input shape {shape})")
            return self.size
        if not shape or shape[0] * count != total:
            raise ValueError(f"Reshape: expected an input (N, ...) of N*{count} elements for "
                             f"size {list(self.size)} in batch mode, got shape {shape}")
        return (shape[0],) + self.size


class View(_Shape):
    """View the input as ``sizes`` per sample (BigDL's ``View``; one -1 is inferred).

    Parameters
    ----------
    sizes : list of int
        The shape of one sample; one entry may be -1 (inferred; BigDL 2.4 fails on it).
    num_input_dims : int
        How many trailing input axes form one sample (0: all of them).  The leading axes
        and any surplus elements make the batch axis.

    BigDL's batch rule: with ``d`` trailing axes (``num_input_dims`` or all), the batch is
    ``prod(trailing) / prod(sizes)`` (1 when a -1 is present) times the leading sizes; a
    batch of 1 gives ``sizes``, else ``(batch, *sizes)``.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import View
    >>> View([6]).forward(np.zeros((4, 2, 3))).shape
    (4, 6)
    >>> View([-1, 3]).forward(np.zeros((4, 2, 3))).shape
    (8, 3)
    >>> View([-1, 3], num_input_dims=2).forward(np.zeros((4, 2, 3))).shape
    (4, 2, 3)
    """

    def __init__(self, sizes, num_input_dims=0):
        super().__init__()
        self.size = _sizes(sizes, "View", "sizes", True)
        self.num_input_dims = check_int(num_input_dims, "View", "num_input_dims", 0)

    def _config(self):
        return {"sizes": list(self.size), "num_input_dims": self.num_input_dims}

    def _target(self, shape):
        nd = len(shape)
        d = self.num_input_dims or nd
        if d > nd:
            raise ValueError(f"View: expected an input of at least num_input_dims="
                             f"{self.num_input_dims} axes, got shape {shape}")
        known = math.prod(s for s in self.size if s != -1)
        sample = math.prod(shape[nd - d:])
        if sample % known:
            raise ValueError(f"View: expected {d} trailing input axes of a multiple of {known} "
                             f"elements for sizes {list(self.size)}, got shape {shape}")
        batch = (1 if -1 in self.size else sample // known) * math.prod(shape[:nd - d])
        target = self.size if batch == 1 else (batch,) + self.size
        if -1 in target:
            fill = math.prod(shape) // (known * (1 if batch == 1 else batch))
            target = tuple(fill if s == -1 else s for s in target)
        return target
