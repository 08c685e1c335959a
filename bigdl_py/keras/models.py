"""BigDL's Keras-style models: ``Sequential`` (shapes inferred layer by layer from the
first layer's ``input_shape``) over a ``bigdl_py.nn.Sequential`` of the layers' modules,
and the functional ``Model(input, output)`` over a ``bigdl_py.nn.Model`` graph.

>>> import numpy as np
>>> from bigdl_py.keras.layers import Dense
>>> from bigdl_py.keras.models import Sequential
>>> model = Sequential()
>>> model.add(Dense(8, activation="relu", input_shape=(4,))).add(Dense(3))
Sequential(2 layers)
>>> model.get_output_shape()
(None, 3)
>>> model.predict(np.zeros((5, 4), np.float32)).shape
(5, 3)
"""
import numpy as np

from .. import nn as _nn
from ..nn._topology import node_list, order
from ._persist import SavedModel, load
from ._shape import describe
from ._training import KerasModel
from .layers import Layer
from .layers.topology import Node

__all__ = ["Sequential", "Model", "load_model"]


def _count(modules):
    return int(sum(np.asarray(w).size for m in modules for w, _ in m._param_pairs()))


class Sequential(KerasModel, SavedModel):
    """A linear stack of Keras-style layers.  ``add`` checks each layer against the
    previous layer's output shape (ValueError naming both) and builds its ``bigdl_py.nn``
    modules into ``net``, a ``bigdl_py.nn.Sequential``."""

    _kind = "Sequential"

    def __init__(self, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Sequential: expected a string as name, got "
                            f"{type(name).__name__}")
        self.name = name
        self.layers, self._shapes, self._modules = [], [], []
        self.net = _nn.Sequential()
        self._compile = None

    def add(self, layer):
        """Append ``layer`` (shapes checked, its modules built); returns self."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a bigdl_py.keras layer, got "
                            f"{type(layer).__name__}")
        i = len(self.layers)
        if i == 0:
            if layer.input_shape is None:
                raise ValueError(f"Sequential.add: expected input_shape= on the first layer "
                                 f"({layer!r}), got none")
            shape = layer.input_shape
        else:
            shape, prev = self._shapes[-1], f"layer {i} ({self.layers[-1]!r})"
            if layer.input_shape is not None and layer.input_shape != shape:
                raise ValueError(f"Sequential.add: layer {i + 1} ({layer!r}) expects input "
                                 f"shape {describe(layer.input_shape)}, got "
                                 f"{describe(shape)} from {prev}")
            try:
                layer.compute_output_shape(shape)
            except ValueError as e:
                raise ValueError(f"Sequential.add: layer {i + 1} ({layer!r}) cannot take the "
                                 f"output shape {describe(shape)} of {prev}: {e}") from None
        out = layer.compute_output_shape(shape)
        modules = layer.build(shape)
        if layer.name is not None:
            modules[0].set_name(layer.name)
        for m in modules:
            self.net.add(m)
        self.layers.append(layer)
        self._shapes.append(tuple(out))
        self._modules.append(modules)
        return self

    def _sample_input_shape(self):
        if not self.layers:
            raise ValueError("Sequential: expected a model with layers, got an empty "
                             "Sequential")
        return self.layers[0].input_shape

    def _sample_output_shape(self):
        self._sample_input_shape()
        return self._shapes[-1]

    def get_input_shape(self):
        """The input shape with the batch dimension as None (a list for several
        inputs)."""
        return _batched(self._sample_input_shape())

    def get_output_shape(self):
        """The output shape with the batch dimension as None."""
        return _batched(self._sample_output_shape())

    def summary(self, line_length=65):
        """Print a table of the layers, their output shapes and parameter counts."""
        rows = [(f"{layer.name or type(layer).__name__.lower() + str(i + 1)} "
                 f"({type(layer).__name__})", describe(shape), _count(mods))
                for i, (layer, shape, mods) in enumerate(zip(self.layers, self._shapes,
                                                              self._modules))]
        print(_table(rows, _count(self.net.modules), line_length))

    def __repr__(self):
        return f"Sequential({len(self.layers)} layers)"


def load_model(path, check_finite=False):
    """The Keras-style ``Sequential`` or ``Model`` saved by ``save_model`` at ``path`` (same
    layers, shapes, names and bit-identical parameters, uncompiled); ValueError for a
    damaged or foreign file or one holding a plain nn module.

    Examples
    --------
    >>> import os, tempfile
    >>> from bigdl_py.keras.layers import Dense
    >>> path = os.path.join(tempfile.mkdtemp(), "mlp.bigdl")
    >>> _ = Sequential().add(Dense(3, input_shape=(4,), name="fc")).save_model(path)
    >>> m = load_model(path)
    >>> m.layers, m.get_output_shape(), m.net.modules[0].name()
    ([Dense(3, activation=None)], (None, 3), 'fc')
    """
    return load(path, {"Sequential": Sequential, "Model": Model}, check_finite)


class Model(KerasModel, SavedModel):
    """A graph of Keras-style layers from ``input`` nodes (``Input(shape=...)``) to
    ``output`` nodes (layer calls), each a node or a list; ``net`` is the
    ``bigdl_py.nn.Model`` of the layers' modules.  ``forward``/``predict`` take one array
    per input (a list for several) and give one per output.

    Examples
    --------
    >>> from bigdl_py.keras.layers import Dense, Input, merge
    >>> x = Input(shape=(4,))
    >>> y = merge([Dense(3)(x), Dense(3, activation="tanh")(x)], mode="concat")
    >>> m = Model(x, Dense(2)(y))
    >>> m.get_output_shape(), len(m.layers)
    ((None, 2), 5)
    """

    _kind = "Model"

    def __init__(self, input, output, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Model: expected a string as name, got {type(name).__name__}")
        self.inputs = _nodes(input, "input")
        self.outputs = _nodes(output, "output")
        self.name = name
        self.net = _nn.Model([n.nn_node for n in self.inputs],
                             [n.nn_node for n in self.outputs])
        self._single = (not isinstance(input, (list, tuple)),
                        not isinstance(output, (list, tuple)))
        self.nodes = order(self.outputs, lambda node: node.inbound)
        self.layers = [n.layer for n in self.nodes]
        self._compile = None

    def _sample_input_shape(self):
        shapes = [n.shape for n in self.inputs]
        return shapes[0] if self._single[0] else shapes

    def _sample_output_shape(self):
        shapes = [n.shape for n in self.outputs]
        return shapes[0] if self._single[1] else shapes

    def get_input_shape(self):
        """The input shape(s) with the batch dimension as None."""
        return _batched(self._sample_input_shape())

    def get_output_shape(self):
        """The output shape(s) with the batch dimension as None."""
        return _batched(self._sample_output_shape())

    def summary(self, line_length=65):
        """Print a table of the layers (inputs included), their output shapes and
        parameter counts."""
        rows = []
        for i, n in enumerate(self.nodes):
            kind = "InputLayer" if not n.inbound else type(n.layer).__name__
            rows.append((f"{n.layer.name or kind.lower() + str(i + 1)} ({kind})",
                         describe(n.shape), _count(n.modules)))
        print(_table(rows, _count(self.net.modules), line_length))

    def __repr__(self):
        return f"Model({len(self.inputs)} inputs, {len(self.nodes)} layers)"


def _nodes(x, what):
    return node_list(x, Node, what, "a bigdl_py.keras node", "nodes")


def _batched(shape):
    return [(None,) + s for s in shape] if isinstance(shape, list) else (None,) + shape


def _table(rows, total, line_length):
    """Keras' summary table of (label, output shape, parameter count) rows; the label
    column widens to fit the longest label."""
    w = [max(int(line_length * 0.45), max((len(r[0]) + 2 for r in rows), default=0)),
         int(line_length * 0.35), 0]
    w[2] = max(line_length - w[0] - w[1], 10)
    width = sum(w)

    def row(*cells):
        return "".join(str(c)[:n - 1].ljust(n) for c, n in zip(cells, w)).rstrip()

    lines = [("_" * width), row("Layer (type)", "Output Shape", "Param #"), "=" * width]
    for r in rows:
        lines += [row(*r), "_" * width]
    lines.append(f"Total params: {total:,}")
    return "\n".join(lines)
