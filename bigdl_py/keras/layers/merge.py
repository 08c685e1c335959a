"""BigDL's Keras-style ``Merge`` layer and functional ``merge``: one output from several
inputs by "sum", "mul", "ave", "max" (``bigdl_py.nn``'s ``CAddTable``, ``CMulTable``,
``CAveTable``, ``CMaxTable``) or "concat" (``JoinTable``).

>>> from bigdl_py.keras.layers import Dense, Input, merge
>>> a, b = Input(shape=(4,)), Input(shape=(3,))
>>> merge([Dense(5)(a), Dense(5)(b)], mode="sum").shape
(5,)
>>> merge([a, b], mode="concat").shape
(7,)
"""
from ... import nn as _nn
from ..._validate import check_int
from .._shape import describe, sample_shape
from .._training import KerasModel
from .core import Layer, _choice

__all__ = ["Merge", "merge"]

_MODES = {"sum": _nn.CAddTable, "mul": _nn.CMulTable, "ave": _nn.CAveTable,
          "max": _nn.CMaxTable, "concat": None}


class Merge(Layer):
    """Merge a list of inputs (at least two) into one by ``mode``.

    Parameters
    ----------
    layers : list of Keras-style models, optional
        Branches (``Sequential`` or ``Model``, at least two) whose outputs are merged; the
        model this Merge starts then takes a list of inputs, one per branch.  Without it,
        call the layer on a list of nodes (or give ``input_shape`` as a list of shapes).
    mode : {"sum", "mul", "ave", "max", "concat"}
        Element-wise sum, product, mean, maximum (equal shapes), or concatenation.
    concat_axis : int
        Axis of "concat", counting the batch axis as 0 (Keras): -1 is the last.
    input_shape : list of tuples, optional
        The inputs' sample shapes, on a model's first layer.

    Shape: a list of sample shapes -> the common shape, or for "concat" the shape with
    the sizes along ``concat_axis`` added (the other sizes must agree).
    """

    def __init__(self, layers=None, mode="sum", concat_axis=-1, input_shape=None, name=None):
        own = "Merge"
        super().__init__(None, name)
        self.mode = _choice(mode, _MODES, own, "mode")
        self.concat_axis = check_int(concat_axis, own, "concat_axis")
        self.layers = None
        if layers is not None:
            if not isinstance(layers, (list, tuple)) or \
                    not all(isinstance(m, KerasModel) for m in layers):
                raise TypeError(f"{own}: expected layers as a list of bigdl_py.keras models, "
                                f"got {layers!r:.80}")
            if len(layers) < 2:
                raise ValueError(f"{own}: expected layers as a list of at least two "
                                 f"bigdl_py.keras models, got {len(layers)}")
            if input_shape is not None:
                raise ValueError(f"{own}: expected input_shape or layers, got both")
            self.layers = list(layers)
            input_shape = [m._sample_input_shape() for m in self.layers]
        if input_shape is not None:
            if not isinstance(input_shape, (list, tuple)) or \
                    not all(isinstance(s, (list, tuple)) for s in input_shape):
                raise TypeError(f"{own}: expected input_shape as a list of shapes (tuples), "
                                f"got {input_shape!r:.80}")
            if len(input_shape) < 2:
                raise ValueError(f"{own}: expected input_shape as a list of at least two "
                                 f"shapes, got {input_shape!r}")
            input_shape = [sample_shape(s, own) for s in input_shape]
        self.input_shape = input_shape

    def _merged_shapes(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"Merge: expected at least two inputs, got input of shape "
                             f"{describe(input_shape)}")
        if self.layers is None:
            return input_shape
        if input_shape != self.input_shape:
            raise ValueError(f"Merge: expected the branches' input shapes "
                             f"{describe(self.input_shape)}, got {describe(input_shape)}")
        return [m._sample_output_shape() for m in self.layers]

    def _axis(self, ndim):
        """The concat axis of a batch of ``ndim``-D samples, counting the batch as 0."""
        axis = self.concat_axis + ndim + 1 if self.concat_axis < 0 else self.concat_axis
        if not 1 <= axis <= ndim:
            raise ValueError(f"Merge: expected concat_axis in [1, {ndim}] or [-{ndim}, -1] "
                             f"for {ndim}-D samples (the batch axis 0 cannot be "
                             f"concatenated), got {self.concat_axis}")
        return axis

    def compute_output_shape(self, input_shape):
        shapes = self._merged_shapes(input_shape)
        first = shapes[0]
        if self.mode != "concat":
            for s in shapes[1:]:
                if s != first:
                    raise ValueError(f"Merge: expected equal input shapes for mode "
                                     f"{self.mode!r}, got {describe(shapes)}")
            return first
        k = self._axis(len(first)) - 1
        for s in shapes[1:]:
            if len(s) != len(first) or s[:k] + s[k + 1:] != first[:k] + first[k + 1:]:
                raise ValueError(f"Merge: expected input shapes that differ only along "
                                 f"concat_axis {self.concat_axis} for mode 'concat', got "
                                 f"{describe(shapes)}")
        return first[:k] + (sum(s[k] for s in shapes),) + first[k + 1:]

    def build(self, input_shape):
        shapes = self._merged_shapes(input_shape)
        self.compute_output_shape(input_shape)
        cls = _MODES[self.mode]
        op = cls() if cls is not None else \
            _nn.JoinTable(self._axis(len(shapes[0])), len(shapes[0]))
        if self.layers is None:
            return [op]
        branches = _nn.ParallelTable()
        for m in self.layers:
            branches.add(m.net)
        return [branches, op]

    def __repr__(self):
        return f"Merge(mode={self.mode!r})"


def merge(inputs, mode="sum", concat_axis=-1, name=None):
    """Merge the nodes ``inputs`` (a list of at least two) by ``mode``: the node of a new
    :class:`Merge` called on them."""
    return Merge(mode=mode, concat_axis=concat_axis, name=name)(list(inputs))
