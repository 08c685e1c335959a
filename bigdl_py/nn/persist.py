"""Safe, atomic model files: ``save_model`` / ``Model.load_model``.

The file (see ``bigdl_py._archive``) holds JSON describing the architecture -- class
names, constructor arguments, names, modes, children -- and the parameter arrays.
Loading rebuilds only classes exported by ``bigdl_py.nn`` (a fixed whitelist: nothing is
imported or called by a name taken from the file), so a damaged, foreign or hostile file
is a ``ValueError`` and executes nothing.

>>> import os, tempfile
>>> import numpy as np
>>> from bigdl_py.nn import Linear, Model
>>> with tempfile.TemporaryDirectory() as d:
...     m = Linear(3, 2).save_model(os.path.join(d, "linear.bigdl"))   # returns the model
...     back = Model.load_model(os.path.join(d, "linear.bigdl"))
>>> back.weight.shape, bool(np.array_equal(back.weight, m.weight))
((2, 3), True)
"""
import os
import re

import numpy as np

from .._archive import VERSION, expect, read_archive, write_archive
from ..random import RNG
from ..tensor import Tensor, _DType
from .graph import Model

__all__ = ["save_model", "load_model"]

_HEX = re.compile(r"[0-9a-f]{8}\Z")


# ---- argument values --------------------------------------------------------------------
# argument objects that can be stored: class name -> its constructor arguments
_OBJECT_ARGS = {"L1Regularizer": lambda r: [r.l1], "L2Regularizer": lambda r: [r.l2],
                "L1L2Regularizer": lambda r: [r.l1, r.l2]}


def _objects():
    """The whitelisted argument classes (bigdl_py's regularizers) by name."""
    from ..optim import regularizer
    return {name: getattr(regularizer, name) for name in _OBJECT_ARGS}


def _encode(v, arrays, where):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, np.generic) and v.dtype.kind in "biuf":
        return v.item()
    if isinstance(v, (list, tuple)):
        items = [_encode(x, arrays, where) for x in v]
        return items if isinstance(v, list) else {"$t": "tuple", "v": items}
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {"$t": "dict", "v": {k: _encode(x, arrays, where) for k, x in v.items()}}
    if isinstance(v, (np.ndarray, Tensor)) and np.asarray(v).dtype.kind in "biuf":
        key = f"a{len(arrays)}"
        arrays[key] = np.array(v)
        return {"$t": "tensor" if isinstance(v, Tensor) else "array", "v": key}
    if isinstance(v, _DType) or (isinstance(v, type) and issubclass(v, np.floating)) \
            or isinstance(v, np.dtype):
        return {"$t": "dtype", "v": np.dtype(v.np if isinstance(v, _DType) else v).name}
    cls = type(v)
    if _objects().get(cls.__name__) is cls:
        args, kwargs = _OBJECT_ARGS[cls.__name__](v), {}
        return {"$t": "object", "class": cls.__name__,
                "args": [_encode(x, arrays, where) for x in args],
                "kwargs": {k: _encode(x, arrays, where) for k, x in kwargs.items()}}
    raise TypeError(f"save_model: cannot save {where}: a {cls.__name__} argument ({v!r:.60}) "
                    "is not a number, string, list, array or bigdl_py regularizer")


def _decode(v, arrays, err):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        return [_decode(x, arrays, err) for x in v]
    err(isinstance(v, dict) and "$t" in v, f"unexpected value {v!r:.60}")
    tag, body = v["$t"], v.get("v")
    if tag == "tuple":
        err(isinstance(body, list), "bad tuple")
        return tuple(_decode(x, arrays, err) for x in body)
    if tag == "dict":
        err(isinstance(body, dict), "bad dict")
        return {k: _decode(x, arrays, err) for k, x in body.items()}
    if tag in ("array", "tensor"):
        err(isinstance(body, str) and body in arrays, f"missing array {body!r}")
        return Tensor(arrays[body]) if tag == "tensor" else arrays[body].copy()
    if tag == "dtype":
        err(body in ("float32", "float64"), f"bad dtype {body!r}")
        return np.dtype(body)
    if tag == "object":
        cls = _objects().get(v.get("class"))
        err(cls is not None, f"unknown argument class {v.get('class')!r}")
        args, kwargs = v.get("args"), v.get("kwargs")
        err(isinstance(args, list) and isinstance(kwargs, dict), "bad object arguments")
        return cls(*_decode(args, arrays, err),
                   **{k: _decode(x, arrays, err) for k, x in kwargs.items()})
    err(False, f"unknown value tag {tag!r}")


# ---- modules ------------------------------------------------------------------------------
def _classes():
    """The whitelist: Module classes exported by ``bigdl_py.nn``, by name."""
    from .. import nn
    from .module import Module
    from .container import Container
    from .graph import _Input
    classes = {name: obj for name, obj in vars(nn).items()
               if isinstance(obj, type) and issubclass(obj, Module)
               and obj not in (Module, Container) and obj.__module__.startswith("bigdl_py.")}
    classes["_Input"] = _Input  # the module of an Input() node
    return classes


_GETSET = (("get_p", "set_p"),)  # state changed after construction, kept by round trip


def _encode_module(m, arrays, classes):
    from .container import Container
    cls = type(m)
    if classes.get(cls.__name__) is not cls:
        raise TypeError(f"save_model: cannot save a {cls.__module__}.{cls.__name__}: only "
                        "the module classes of bigdl_py.nn can be saved")
    node = {"class": cls.__name__, "name": m._name, "hex": m._hex, "training": m._training,
            "scale_w": m._scale_w, "scale_b": m._scale_b}
    if getattr(m, "_frozen", None) is not None:  # freeze(): the scales unfreeze() restores
        node["frozen"] = list(m._frozen)
    if isinstance(m, Container):
        node.update(args=[], kwargs={},
                    children=[_encode_module(c, arrays, classes) for c in m.modules])
        if isinstance(m, Model):  # the topology: each node's predecessors (indices)
            node["graph"] = m._config()
        return node
    args, kwargs = m._init_args
    node["args"] = [_encode(a, arrays, f"argument {i + 1} of {cls.__name__}")
                    for i, a in enumerate(args)]
    node["kwargs"] = {k: _encode(v, arrays, f"argument {k} of {cls.__name__}")
                      for k, v in kwargs.items()}
    node["state"] = {s: getattr(m, g)() for g, s in _GETSET
                     if hasattr(m, g) and hasattr(m, s)}
    params = []
    for w, _ in m._param_pairs():
        params.append(f"a{len(arrays)}")
        arrays[params[-1]] = np.array(w)
    node["params"] = params
    return node


def _decode_module(node, arrays, classes, err, depth=0):
    from .container import Container
    err(depth < 200, "modules nested too deeply")
    err(isinstance(node, dict), "a module entry is not an object")
    cls = classes.get(node.get("class"))
    err(cls is not None, f"unknown module class {node.get('class')!r} (only bigdl_py.nn's "
                         "classes can be loaded)")
    args, kwargs = node.get("args"), node.get("kwargs")
    err(isinstance(args, list) and isinstance(kwargs, dict), f"bad arguments for {cls.__name__}")
    name, hexid, training = node.get("name"), node.get("hex"), node.get("training")
    err(name is None or isinstance(name, str), "bad name")
    err(isinstance(hexid, str) and _HEX.match(hexid), "bad hex id")
    err(isinstance(training, bool), "bad mode")
    scales = node.get("scale_w"), node.get("scale_b")
    err(all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in scales),
        "bad scales")
    frozen = node.get("frozen")
    err(frozen is None or (isinstance(frozen, list) and len(frozen) == 2 and all(
        isinstance(s, (int, float)) and not isinstance(s, bool) for s in frozen)),
        "bad frozen scales")
    args = _decode(args, arrays, err)
    kwargs = {k: _decode(v, arrays, err) for k, v in kwargs.items()}
    if cls is Model:
        m = _decode_graph(node, arrays, classes, err, depth)
    else:
        try:
            m = cls(*args, **kwargs)
        except Exception as e:
            err(False, f"cannot rebuild {cls.__name__}: {type(e).__name__}: {e}")
    if isinstance(m, Model):
        pass
    elif isinstance(m, Container):
        children = node.get("children")
        err(isinstance(children, list), f"{cls.__name__} without a children list")
        for c in children:
            m.add(_decode_module(c, arrays, classes, err, depth + 1))
    else:
        state = node.get("state", {})
        err(isinstance(state, dict), "bad state")
        for getter, setter in _GETSET:
            if setter in state:
                err(hasattr(m, setter), f"{cls.__name__} has no {setter}")
                try:
                    getattr(m, setter)(state[setter])
                except Exception as e:
                    err(False, f"bad {setter} value for {cls.__name__}: {e}")
        pairs, keys = m._param_pairs(), node.get("params")
        err(isinstance(keys, list) and len(keys) == len(pairs),
            f"{cls.__name__} expects {len(pairs)} parameter arrays")
        for (w, _), k in zip(pairs, keys):
            a = arrays.get(k) if isinstance(k, str) else None
            err(a is not None and a.shape == w.shape and a.dtype == w.dtype,
                f"parameter {k!r} of {cls.__name__} is missing or not {w.dtype} {w.shape}")
            w[...] = a
    m._name, m._hex, m._training = name, hexid, training
    m._scale_w, m._scale_b = float(scales[0]), float(scales[1])
    m._frozen = None if frozen is None else (float(frozen[0]), float(frozen[1]))
    return m


def _decode_graph(node, arrays, classes, err, depth):
    """A graph ``Model`` from its children (the nodes' modules in execution order) and
    its topology (``Model._config``); the checks of ``Model(...)`` apply."""
    graph, children = node.get("graph"), node.get("children")
    err(isinstance(graph, dict) and isinstance(children, list), "a graph without topology")
    modules = [_decode_module(c, arrays, classes, err, depth + 1) for c in children]
    try:
        return Model._from_config(graph, modules)
    except (TypeError, ValueError) as e:
        err(False, f"cannot rebuild the graph: {e}")


def _rng_state():
    """RNG's full state, so that rebuilding layers (whose constructors draw initial
    weights) leaves the global random stream untouched."""
    return (RNG._algorithm, RNG._seed, RNG._offset, RNG._mt.state, RNG._cached_normal)


def _set_rng_state(s):
    RNG._algorithm, RNG._seed, RNG._offset, mt, RNG._cached_normal = s
    RNG._mt.state = mt


def save_model(module, path, over_write=False):
    """Write ``module`` (architecture, names, modes, parameters) to ``path`` atomically.

    FileExistsError (file unchanged) when ``path`` exists and not ``over_write``;
    TypeError, before anything is written, for a class outside ``bigdl_py.nn`` or a
    constructor argument that cannot be stored.
    """
    arrays = {}
    root = _encode_module(module, arrays, _classes())
    write_archive(path, {"format": "model", "version": VERSION, "root": root}, arrays,
                  over_write, "save_model")


def load_model(path):
    """The module saved at ``path`` by ``save_model`` (same ``str()``, names, modes and
    bit-identical parameters); ValueError for a damaged, foreign or hostile file."""
    meta, arrays = read_archive(path, "model", "load_model")

    def err(cond, what):
        expect(cond, "load_model", os.fspath(path), what)

    saved = _rng_state()
    try:
        return _decode_module(meta.get("root"), arrays, _classes(), err)
    except RecursionError:
        err(False, "values nested too deeply")
    finally:
        _set_rng_state(saved)


def _load_bigdl(path, weight_path=None, bigdl_type="float"):
    """BigDL's ``Model.loadModel(path)`` / ``Model.load(path)``: the same safe format as
    ``load_model`` (one file holds architecture and weights, so ``weight_path`` must be
    None)."""
    if weight_path is not None:
        raise ValueError(f"Model.loadModel: expected weight_path=None (a bigdl_py model file "
                         f"holds the weights), got {weight_path!r}")
    return load_model(path)

