"""Keras-style models in ``bigdl_py.nn.persist``'s safe model files.

The file is an ordinary bigdl_py model file of the model's ``net`` (so
``bigdl_py.nn.Model.load_model`` reads it as an nn module) whose metadata also holds a
``"keras"`` entry: the model kind, each layer's class name and constructor arguments, the
number (Sequential) or names (Model) of the nn modules each layer built, and a Model's
node connections.  Loading takes the checked nn network from the file, rebuilds the
layers from their arguments (whitelisted ``bigdl_py.keras.layers`` classes only), infers
the shapes again and checks that each layer would build the classes found in the file;
anything else is a ValueError naming the file.

This module sits between the layers and the models: the models mix in
:class:`SavedModel` and hand their classes to :func:`load`, so nothing here imports
``bigdl_py.keras.models``.
"""
import inspect
import os

from .. import nn
from .._archive import expect, open_archive, write_archive
from ..nn import persist as _persist
from ..random import RNG
from . import layers as _layers
from .layers.topology import Input, Node, _InputLayer

__all__ = ["SavedModel", "save", "load", "layer_config"]

MAX_LAYERS = 100_000


def layer_config(layer):
    """The constructor arguments a layer was made with (recorded by ``Layer.__new__``)."""
    args, kwargs = layer._init_args
    bound = inspect.signature(type(layer).__init__).bind(layer, *args, **kwargs)
    return {k: v for k, v in bound.arguments.items() if k != "self"}


def _layer_entry(layer):
    config = layer.get_config() if not hasattr(layer, "_init_args") else layer_config(layer)
    cls = "Input" if not hasattr(layer, "_init_args") else type(layer).__name__
    return {"class": cls, "config": {k: _persist._encode(v, f"argument {k} of {cls}")
                                     for k, v in config.items()}}


class SavedModel:
    """``save_model`` / ``saveModel`` of the Keras-style models; a subclass names its
    ``_kind`` ("Sequential" or "Model", the key :func:`load` takes its class by)."""

    _kind = None

    def save_model(self, path, over_write=False):
        """Write the model (layers and their arguments, the network's parameters and
        state) to ``path`` in bigdl_py's safe model format; read it back with
        ``bigdl_py.keras.models.load_model``.  FileExistsError when ``path`` exists and not
        ``over_write``; TypeError for a layer argument that cannot be stored (e.g. a Merge
        of branch models)."""
        save(self, path, over_write)
        return self

    def saveModel(self, modelPath, weightPath=None, over_write=False):
        """BigDL's spelling of :meth:`save_model` (one file: ``weightPath`` must be None)."""
        if weightPath is not None:
            raise ValueError(f"{type(self).__name__}.saveModel: expected weightPath=None (one "
                             f"bigdl_py file holds the weights), got {weightPath!r}")
        return self.save_model(modelPath, over_write)


def save(model, path, over_write):
    """Write ``model`` (a Keras-style Sequential or Model) to ``path``."""
    if model._kind == "Sequential":
        spec = {"kind": "Sequential", "name": model.name,
                "layers": [dict(_layer_entry(layer), modules=len(mods))
                           for layer, mods in zip(model.layers, model._modules)]}
    else:
        index = {id(n): i for i, n in enumerate(model.nodes)}
        spec = {"kind": "Model", "name": model.name, "single": list(model._single),
                "inputs": [index[id(n)] for n in model.inputs],
                "outputs": [index[id(n)] for n in model.outputs],
                "layers": [dict(_layer_entry(n.layer), inbound=[index[id(p)] for p in n.inbound],
                                modules=[m.name() for m in n.modules]) for n in model.nodes]}
    arrays = {}
    root = _persist._encode_module(model.net, arrays, _persist._classes())
    write_archive(path, {"format": "model", "version": _persist.VERSION, "root": root,
                         "keras": spec}, arrays, over_write, "save_model")


def _classes():
    return {name: getattr(_layers, name) for name in _layers.__all__
            if isinstance(getattr(_layers, name), type)
            and issubclass(getattr(_layers, name), _layers.Layer)}


def load(path, kinds, check_finite=False):
    """The Keras-style model saved at ``path`` by ``save``: an instance of
    ``kinds["Sequential"]`` or ``kinds["Model"]``."""
    net = _persist.load_model(path, check_finite)
    with open_archive(path, "model", "load_model", (_persist.VERSION,)) as archive:
        spec = archive.meta.get("keras")

    def err(cond, what):
        expect(cond, "load_model", os.fspath(path), what)

    err(isinstance(spec, dict), "no Keras-style model in the file (load it with "
                                "bigdl_py.nn.Model.load_model)")
    entries = spec.get("layers")
    err(isinstance(entries, list) and 0 < len(entries) <= MAX_LAYERS, "bad layer list")
    err(spec.get("name") is None or isinstance(spec.get("name"), str), "bad model name")
    classes, layers = _classes(), []
    for e in entries:
        err(isinstance(e, dict) and isinstance(e.get("config"), dict), "bad layer entry")
        name = e.get("class")
        err(name == "Input" or name in classes, f"unknown layer class {name!r:.60}")
        config = {k: _persist._decode(v, err) for k, v in e["config"].items()}
        try:
            if name == "Input":
                layers.append(config)
            else:
                layers.append(classes[name](**config))
        except (TypeError, ValueError) as exc:
            err(False, f"cannot rebuild {name}: {type(exc).__name__}: {exc}")
    saved = RNG.get_state()
    try:
        if spec.get("kind") == "Sequential":
            return _sequential(kinds["Sequential"], spec, entries, layers, net, err)
        err(spec.get("kind") == "Model", f"unknown model kind {spec.get('kind')!r:.60}")
        return _model(kinds["Model"], spec, entries, layers, net, err)
    finally:
        RNG.set_state(saved)  # the class checks build throw-away modules


def _same_classes(layer, shape, modules, err):
    """The file's modules are what ``layer`` builds for ``shape``: same classes and
    constructor arguments."""
    built = layer.build(shape)
    err([type(m) for m in built] == [type(m) for m in modules],
        f"layer {layer!r} builds {[type(m).__name__ for m in built]}, the file holds "
        f"{[type(m).__name__ for m in modules]}")

    def config(m):
        return {k: _persist._encode(v, k) for k, v in m._config().items()}

    for a, b in zip(built, modules):
        err(config(a) == config(b), f"layer {layer!r} builds {type(a).__name__} with "
                                    f"{config(a)!r:.200}, the file holds {config(b)!r:.200}")


def _sequential(Sequential, spec, entries, layers, net, err):
    err(isinstance(net, nn.Sequential), "a Keras Sequential whose network is not a Sequential")
    counts = [e.get("modules") for e in entries]
    err(all(type(c) is int and c >= 1 for c in counts) and sum(counts) == len(net.modules),
        "module counts do not match the network")
    model = Sequential(spec.get("name"))
    model.net, start = net, 0
    for layer, count in zip(layers, counts):
        err(not isinstance(layer, dict), "an Input in a Sequential")
        shape = layer.input_shape if not model.layers else model._shapes[-1]
        err(shape is not None, "the first layer has no input_shape")
        try:
            out = layer.compute_output_shape(shape)
        except ValueError as exc:
            err(False, f"layer {layer!r} does not fit its input: {exc}")
        modules = net.modules[start:start + count]
        _same_classes(layer, shape, modules, err)
        model.layers.append(layer)
        model._shapes.append(tuple(out))
        model._modules.append(list(modules))
        start += count
    return model


def _model(Model, spec, entries, layers, net, err):
    err(isinstance(net, nn.Model), "a Keras Model whose network is not a graph")
    nodes = []
    for i, (e, layer) in enumerate(zip(entries, layers)):
        inbound, names = e.get("inbound"), e.get("modules")
        err(isinstance(inbound, list) and all(type(j) is int and 0 <= j < i for j in inbound),
            f"bad connections of layer {i}")
        err(isinstance(names, list) and names and all(isinstance(n, str) for n in names),
            f"bad module names of layer {i}")
        try:
            modules = [net.node(n).module for n in names]
        except ValueError:
            err(False, f"layer {i} names modules the network does not have")
        if isinstance(layer, dict):  # an Input
            err(not inbound and len(modules) == 1, f"bad input layer {i}")
            shape = tuple(layer.get("shape") or ())
            try:
                Input(shape, layer.get("name"))
            except (TypeError, ValueError) as exc:
                err(False, f"bad input layer {i}: {exc}")
            layer = _InputLayer(shape, layer.get("name"))
        else:
            err(inbound, f"layer {i} has no inputs")
            given = [nodes[j].shape for j in inbound]
            shape = given if len(inbound) > 1 or isinstance(layer.input_shape, list) \
                else given[0]
            try:
                out = layer.compute_output_shape(shape)
            except ValueError as exc:
                err(False, f"layer {layer!r} does not fit its input: {exc}")
            _same_classes(layer, shape, modules, err)
            layer._called, shape = True, tuple(out)
        nodes.append(Node(layer, [nodes[j] for j in inbound], shape, modules,
                          net.node(names[-1])))
    single = spec.get("single")
    ins, outs = spec.get("inputs"), spec.get("outputs")
    err(isinstance(single, list) and len(single) == 2 and all(isinstance(b, bool)
                                                               for b in single), "bad flags")
    for what in (ins, outs):
        err(isinstance(what, list) and what and all(type(j) is int and 0 <= j < len(nodes)
                                                    for j in what), "bad inputs or outputs")
    model = Model.__new__(Model)
    model.inputs, model.outputs = [nodes[j] for j in ins], [nodes[j] for j in outs]
    model.name, model.net, model._single = spec.get("name"), net, tuple(single)
    model.nodes, model.layers = nodes, [n.layer for n in nodes]
    model._compile = None
    return model
