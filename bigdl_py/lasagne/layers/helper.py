"""Whole-graph helpers: outputs, shapes, layers and parameters (the backward is in
``gradients.py``)."""
import itertools

import numpy as np

from ..utils import unique
from .base import Layer
from .input import InputLayer

__all__ = ["get_all_layers", "get_output", "get_output_shape", "get_all_params",
           "count_params", "get_all_param_values", "set_all_param_values"]

_passes = itertools.count(1)

def _as_list(layer_or_layers):
    if isinstance(layer_or_layers, Layer):
        return [layer_or_layers], False
    try:
        layers = list(layer_or_layers)
    except TypeError:
        raise TypeError("expected a Layer or a list of Layers, got "
                        f"{type(layer_or_layers).__name__}") from None
    for item in layers:
        if not isinstance(item, Layer):
            raise TypeError(f"expected a Layer or a list of Layers, got a list holding "
                            f"{type(item).__name__}")
    return layers, True


def get_all_layers(layer, treat_as_input=None):
    """All layers feeding ``layer`` (a Layer or a list) and the layer(s) themselves,
    in topological order (every layer after the layers it depends on).  Layers in
    ``treat_as_input`` are included but not expanded.

    >>> from bigdl_py.lasagne.layers import InputLayer, DenseLayer, get_all_layers
    >>> l_in = InputLayer((100, 20))
    >>> l1 = DenseLayer(l_in, num_units=50)
    >>> l2 = DenseLayer(l_in, num_units=10)
    >>> get_all_layers([l2, l1]) == [l_in, l2, l1]
    True
    >>> get_all_layers(l1, treat_as_input=[l1]) == [l1]
    True
    """
    roots, _ = _as_list(layer)
    stop = {id(x) for x in (treat_as_input or ())}
    done, result = set(), []
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node is None or id(node) in done:
                continue
            if expanded or id(node) in stop or node.input_layer is None:
                done.add(id(node))
                result.append(node)
            else:
                stack.append((node, True))
                stack.append((node.input_layer, False))
    return result


def _sources(all_layers, inputs, owner):
    """``(given, feeds)``: ``given`` maps layers whose outputs are given (InputLayers, dict
    keys) to arrays; ``feeds`` maps a free-floating layer (built from a shape) to its
    input, when a single array is given for a network with no InputLayer."""
    given, feeds = {}, {}
    if isinstance(inputs, dict):
        for layer, value in inputs.items():
            if not isinstance(layer, Layer):
                raise TypeError(f"{owner}: expected the inputs dict to map Layers to arrays, "
                                f"got a key of type {type(layer).__name__}")
            given[layer] = (layer.check_input(value) if isinstance(layer, InputLayer)
                            else np.asarray(value))
    free = [x for x in all_layers if isinstance(x, InputLayer) and x not in given]
    if inputs is not None and not isinstance(inputs, dict):
        floating = [x for x in all_layers if x.input_layer is None and x not in given]
        if len(free) == 1:
            given[free[0]] = free[0].check_input(inputs)
        elif not free and len(floating) == 1:
            feeds[floating[0]] = np.asarray(inputs)
        else:
            raise ValueError(f"{owner}: a single input array was given for a network with "
                             f"{len(floating)} input layers; give a dict {{InputLayer: array}}")
    else:
        for x in free:
            if x.input_var is None:
                raise ValueError(f"{owner}: no input given for {x!r}; pass an array or a "
                                 "dict {InputLayer: array}")
            given[x] = x.input_var
    return given, feeds


def get_output(layer_or_layers, inputs=None, **kwargs):
    """The output of ``layer_or_layers`` (a Layer, or a list: a list of outputs).

    Parameters
    ----------
    layer_or_layers : Layer or list of Layer
    inputs : None, array-like or dict
        An array for the network's single InputLayer (or, for a network built on a
        shape tuple instead, the input of its bottom layer); or a dict mapping any
        layers (InputLayers or others) to arrays used instead of their outputs; None
        uses the InputLayers' ``input_var``.
    deterministic : bool, optional
        True gives evaluation behaviour (dropout and noise off, inputs passed on
        unchanged); False (default) the training behaviour.
    **kwargs
        Passed to every layer's ``get_output_for``.

    Returns
    -------
    ndarray or list of ndarray
        Layers that are the identity (an InputLayer, deterministic dropout) may return
        the array they were given, not a copy.

    Notes
    -----
    ``get_output([l1, l2])`` runs the shared part of the graph once (one dropout
    mask), ``[get_output(l1), get_output(l2)]`` twice.  Each layer keeps what its
    backward needs from this pass, for ``get_gradients``.  As in Lasagne, shapes declared
    by InputLayers serve shape inference only: any array a layer can compute with goes
    through, and a layer that cannot raises (TypeError/ValueError) naming itself.
    """
    targets, many = _as_list(layer_or_layers)
    treat = list(inputs) if isinstance(inputs, dict) else []
    all_layers = get_all_layers(targets, treat)
    outputs, feeds = _sources(all_layers, inputs, "get_output")
    pass_id = next(_passes)
    for layer, value in list(outputs.items()) + list(feeds.items()):
        layer._src = (pass_id, value)
    for layer in all_layers:
        if layer in outputs:
            continue
        if layer.input_layer is not None:
            x = outputs[layer.input_layer]
        elif layer in feeds:
            x = feeds[layer]
        else:
            raise ValueError(f"get_output: no input given for the free-floating layer "
                             f"{layer!r} (built from a shape tuple); pass its input as the "
                             "single array, or build it on an InputLayer")
        try:
            outputs[layer] = layer.get_output_for(x, **kwargs)
        except (TypeError, ValueError) as e:  # name the layer that cannot take the input
            raise type(e)(f"get_output: {layer!r} cannot compute with an input of shape "
                          f"{np.shape(x)}: {e}") from e
        layer._pass = pass_id
    return [outputs[t] for t in targets] if many else outputs[targets[0]]


def get_output_shape(layer_or_layers, input_shapes=None):
    """Output shape(s) of ``layer_or_layers``, from ``output_shape`` or, given
    ``input_shapes`` (a tuple for the single InputLayer, or a dict ``{layer: shape}``),
    by propagating those shapes with ``get_output_shape_for``."""
    targets, many = _as_list(layer_or_layers)
    if input_shapes is None or input_shapes == {}:
        shapes = [t.output_shape for t in targets]
        return shapes if many else shapes[0]
    treat = list(input_shapes) if isinstance(input_shapes, dict) else []
    all_layers = get_all_layers(targets, treat)
    shapes = {x: x.shape for x in all_layers if isinstance(x, InputLayer) and x not in treat}
    if isinstance(input_shapes, dict):
        shapes.update((k, tuple(v)) for k, v in input_shapes.items())
    else:
        if len(shapes) != 1:
            raise ValueError(f"get_output_shape: a single input shape was given for a network "
                             f"with {len(shapes)} InputLayers; give a dict {{layer: shape}}")
        shapes = {k: tuple(input_shapes) for k in shapes}
    for layer in all_layers:
        if layer not in shapes:
            if layer.input_layer is None:
                raise ValueError(f"get_output_shape: no input shape for the free-floating "
                                 f"layer {layer!r}")
            shapes[layer] = layer.get_output_shape_for(shapes[layer.input_layer])
    return [shapes[t] for t in targets] if many else shapes[targets[0]]


def get_all_params(layer, unwrap_shared=True, **tags):
    """Parameters of all layers below ``layer`` (a Layer or list), each once, in
    topological then registration order, filtered by tags as ``Layer.get_params``.

    >>> from bigdl_py.lasagne.layers import InputLayer, DenseLayer, get_all_params
    >>> l1 = DenseLayer(InputLayer((100, 20)), num_units=50)
    >>> get_all_params(l1) == [l1.W, l1.b], get_all_params(l1, regularizable=True) == [l1.W]
    (True, True)
    """
    return unique(p for x in get_all_layers(layer) for p in x.get_params(**tags))


def count_params(layer, **tags):
    """The number of scalar parameter values below ``layer`` (filtered by tags)."""
    return int(sum(np.prod(p.shape) for p in get_all_params(layer, **tags)))


def get_all_param_values(layer, **tags):
    """Copies of the values of ``get_all_params(layer, **tags)``."""
    return [p.get_value() for p in get_all_params(layer, **tags)]


def set_all_param_values(layer, values, **tags):
    """Set ``get_all_params(layer, **tags)`` from a list of arrays (count and shapes are
    checked before anything is written)."""
    params = get_all_params(layer, **tags)
    values = list(values)
    if len(values) != len(params):
        raise ValueError(f"set_all_param_values: expected {len(params)} values, got "
                         f"{len(values)}")
    for p, v in zip(params, values):
        if np.shape(v) != p.shape:
            raise ValueError(f"set_all_param_values: expected a value of shape {p.shape} for "
                             f"{p.name!r}, got {np.shape(v)}")
    for p, v in zip(params, values):
        p.set_value(v)
