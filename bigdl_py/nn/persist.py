"""Safe, atomic model files: ``save_model`` / ``Model.load_model``.

The file (``bigdl_py._archive``: an uncompressed zip of ``.npy`` members) holds JSON
describing the architecture and the parameter arrays.  Each module is a JSON object::

    {"class": "Linear", "name": "fc1" or null, "hex": "0a1b2c3d", "training": true,
     "scale_w": 1.0, "scale_b": 1.0, "config": {...constructor keyword arguments...},
     "params": ["a0", "a1"],          # leaves: members holding _param_pairs() in order
     "buffers": {"running_mean": "a2"},  # leaves: members holding _saved_buffers()
     "kept": [true, false],           # leaves given init_weight / init_bias (optional)
     "children": [...]}               # containers only (no params or buffers)

What a layer must provide to be saved and loaded
-------------------------------------------------
1. Its class is exported by ``bigdl_py.nn`` (whose ``__init__`` passes its exports to
   :func:`register`) or registered by its module: loading builds only registered classes,
   by name; nothing is imported or called by a name taken from the file.
2. ``_config()``: the constructor's keyword arguments as a dict, such that
   ``cls(**config)`` rebuilds the same architecture and hyper-parameters (the current
   values, e.g. Dropout's p after ``set_p``).  Values: None, bool, int, float (finite),
   str, lists/tuples/str-keyed dicts of those, numpy dtypes, bigdl_py regularizers.  No
   arrays (``init_weight`` and the like are not configuration: the parameters are saved
   as arrays, and ``kept`` records which of weight and bias were given -- the layer's
   ``_fixed_w`` / ``_fixed_b`` -- so a reloaded layer's ``reset()`` keeps them too).
   ``Module._config()`` returns ``{}`` for a class whose constructor takes no arguments
   and raises TypeError otherwise.
3. Parameters through ``_param_pairs()`` (weight first), allocated in the constructor by
   ``bigdl_py.nn._params.allocate`` (so a file cannot make it allocate more than the file
   holds), initial values drawn through ``bigdl_py.nn.init`` methods (skipped while
   loading).  Arrays that are state but not parameters (running statistics) come from
   ``_saved_buffers()`` -> ``{name: ndarray}`` (default ``{}``), also allocated by
   ``allocate``; loading copies the file's arrays into the same arrays.
4. Containers (the classes with a ``_from_config``) keep their children in
   ``self.modules`` and own no parameters; they are rebuilt by
   ``cls._from_config(config, children)`` (default: ``cls(**config)`` then ``add`` each
   child).  A container with more structure (a graph) puts it in
   ``_config()`` and overrides ``_from_config``.

Loading is strict about everything it reads, before it builds anything: the archive
checks of ``bigdl_py._archive`` (regular file, plain member names, no compression, sizes,
member count, JSON size and depth, finite numbers), then the whole tree (at most
:data:`MAX_MODULES` modules; known class names that are strings; printable names of at
most :data:`MAX_NAME` characters; finite scales; containers without parameters; every
member used once), then each layer is built with the parameter budget of the file's
arrays, and every array's dtype and shape must equal the layer's parameter (read only
then).  NaN weights are data and load; ``load_model(path, check_finite=True)`` refuses
them.  Anything wrong is a ``ValueError`` naming the file and the problem.
"""
import math
import os
import re

import numpy as np

from .._archive import expect, open_archive, write_archive
from .._validate import check_bool
from ..random import RNG
from ..tensor import _DType
from . import _params
from .regularizer import L1L2Regularizer, L1Regularizer, L2Regularizer

__all__ = ["save_model", "load_model", "register", "MAX_MODULES", "MAX_NAME"]

VERSION = 2        # of the model format (1: constructor calls captured; not readable)
MAX_MODULES = 100_000
MAX_NAME = 1024
_HEX = re.compile(r"[0-9a-f]{8}\Z")
_KEY = re.compile(r"[A-Za-z0-9_]{1,64}\Z")
_NODE_KEYS = {"class", "name", "hex", "training", "scale_w", "scale_b", "frozen", "kept",
              "config", "params", "buffers", "children"}
_registered = {}


def register(*classes):
    """Allow the Module subclasses ``classes`` in model files, under their class names
    (``bigdl_py.nn`` registers what it exports; a module registers a private class such as
    a graph's input node); returns the first (usable as a decorator)."""
    for cls in classes:
        _registered[cls.__name__] = cls
    return classes[0] if classes else None


def _is_container(cls):
    """Containers are the classes that rebuild themselves from their children."""
    return hasattr(cls, "_from_config")


# ---- configuration values ----------------------------------------------------------------
# argument objects that can be stored (bigdl_py's regularizers): class -> its arguments
_OBJECT_ARGS = {L1Regularizer: lambda r: [r.l1], L2Regularizer: lambda r: [r.l2],
                L1L2Regularizer: lambda r: [r.l1, r.l2]}
_OBJECTS = {cls.__name__: cls for cls in _OBJECT_ARGS}


def _encode(v, where):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):   # JSON has no inf/nan: those are tagged
        return v if math.isfinite(v) else {"$t": "float", "v": repr(v)}
    if isinstance(v, np.generic) and v.dtype.kind in "biuf":
        return _encode(v.item(), where)
    if isinstance(v, (list, tuple)):
        items = [_encode(x, where) for x in v]
        return items if isinstance(v, list) else {"$t": "tuple", "v": items}
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {"$t": "dict", "v": {k: _encode(x, where) for k, x in v.items()}}
    if isinstance(v, _DType) or (isinstance(v, type) and issubclass(v, np.floating)) \
            or isinstance(v, np.dtype):
        return {"$t": "dtype", "v": np.dtype(v.np if isinstance(v, _DType) else v).name}
    cls = type(v)
    if cls in _OBJECT_ARGS:
        return {"$t": "object", "class": cls.__name__,
                "args": [_encode(x, where) for x in _OBJECT_ARGS[cls](v)]}
    raise TypeError(f"save_model: cannot save {where}: a {cls.__name__} argument ({v!r:.60}) "
                    "is not a number, string, list, dtype or bigdl_py regularizer")


def _decode(v, err):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        return [_decode(x, err) for x in v]
    err(isinstance(v, dict) and isinstance(v.get("$t"), str), f"unexpected value {v!r:.60}")
    tag, body = v["$t"], v.get("v")
    if tag == "tuple":
        err(isinstance(body, list), "bad tuple")
        return tuple(_decode(x, err) for x in body)
    if tag == "dict":
        err(isinstance(body, dict), "bad dict")
        return {k: _decode(x, err) for k, x in body.items()}
    if tag == "float":
        err(body in ("inf", "-inf", "nan"), f"bad float {body!r:.60}")
        return float(body)
    if tag == "dtype":
        err(body in ("float32", "float64"), f"bad dtype {body!r:.60}")
        return np.dtype(body)
    if tag == "object":
        name = v.get("class")
        cls = _OBJECTS.get(name) if isinstance(name, str) else None
        err(cls is not None, f"unknown argument class {name!r:.60}")
        args = v.get("args")
        err(isinstance(args, list), "bad object arguments")
        try:
            return cls(*_decode(args, err))
        except (TypeError, ValueError) as e:
            err(False, f"bad {name} arguments: {e}")
    err(False, f"unknown value tag {tag!r:.60}")


# ---- modules ------------------------------------------------------------------------------
def _classes():
    """The whitelist: the registered Module classes, by name."""
    return dict(_registered)


def _encode_module(m, arrays, classes):
    cls = type(m)
    if classes.get(cls.__name__) is not cls:
        raise TypeError(f"save_model: cannot save a {cls.__module__}.{cls.__name__}: only "
                        "the module classes of bigdl_py.nn can be saved")
    node = {"class": cls.__name__, "name": m._name, "hex": m._hex, "training": m._training,
            "scale_w": m._scale_w, "scale_b": m._scale_b,
            "config": {k: _encode(v, f"argument {k} of {cls.__name__}")
                       for k, v in m._config().items()}}
    if getattr(m, "_frozen", None) is not None:  # freeze(): the scales unfreeze() restores
        node["frozen"] = list(m._frozen)
    kept = [getattr(m, "_fixed_w", False), getattr(m, "_fixed_b", False)]
    if any(kept):  # init_weight / init_bias given: reset() keeps them (they are not config)
        node["kept"] = kept
    if _is_container(cls):
        node["children"] = [_encode_module(c, arrays, classes) for c in m.modules]
        return node
    node["params"] = []
    for w, _ in m._param_pairs():
        node["params"].append(f"a{len(arrays)}")
        arrays[node["params"][-1]] = np.asarray(w)
    node["buffers"] = {}
    for name, b in m._saved_buffers().items():
        node["buffers"][name] = f"a{len(arrays)}"
        arrays[node["buffers"][name]] = np.asarray(b)
    return node


def _check_tree(root, classes, members, err):
    """Validate every node of the tree before anything is built (iterative: no recursion
    on file data).  Returns the member keys the tree uses."""
    used, stack, count = set(), [root], 0
    while stack:
        node = stack.pop()
        count += 1
        err(count <= MAX_MODULES, f"more than {MAX_MODULES} modules")
        err(isinstance(node, dict), "a module entry is not an object")
        err(set(node) <= _NODE_KEYS,
            f"unknown module fields {sorted(set(node) - _NODE_KEYS)!r:.80}")
        name = node.get("class")
        err(isinstance(name, str), f"a module class name is not a string: {name!r:.60}")
        cls = classes.get(name)
        err(cls is not None, f"unknown module class {name!r:.60} (only bigdl_py.nn's classes "
                             "can be loaded)")
        label = node.get("name")
        err(label is None or (isinstance(label, str) and label.isprintable()
                              and len(label) <= MAX_NAME),
            f"bad name for {name}: expected a printable string of at most {MAX_NAME} "
            "characters")
        hexid = node.get("hex")
        err(isinstance(hexid, str) and _HEX.match(hexid), "bad hex id")
        err(isinstance(node.get("training"), bool), "bad mode")
        frozen = node.get("frozen")  # freeze(): the scales unfreeze() restores
        err(frozen is None or (isinstance(frozen, list) and len(frozen) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in frozen)), "bad frozen scales")
        kept = node.get("kept")  # parameters given at construction, which reset() keeps
        err(kept is None or (isinstance(kept, list) and len(kept) == 2
                             and all(isinstance(v, bool) for v in kept)), "bad kept flags")
        for s in ("scale_w", "scale_b"):
            v = node.get(s)
            err(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
                f"bad {s} for {name}: expected a finite number")
        config = node.get("config")
        err(isinstance(config, dict) and all(isinstance(k, str) for k in config),
            f"bad configuration for {name}")
        if _is_container(cls):
            err("params" not in node and "buffers" not in node,
                f"container {name} carries parameters (containers own none)")
            children = node.get("children")
            err(isinstance(children, list), f"{name} without a children list")
            stack.extend(children)
            continue
        err("children" not in node, f"{name} is not a container but has children")
        keys, bufs = node.get("params"), node.get("buffers", {})
        err(isinstance(keys, list) and isinstance(bufs, dict)
            and all(isinstance(k, str) and _KEY.match(k) for k in bufs),
            f"bad parameter list for {name}")
        for k in keys + list(bufs.values()):
            err(isinstance(k, str) and k in members, f"{name} refers to a missing array "
                                                     f"{k!r:.60}")
            err(k not in used, f"array {k!r} is used twice")
            used.add(k)
    return used


def _build(node, archive, classes, err, leaves):
    """Build ``node`` (checked by _check_tree); leaves get their arrays later."""
    cls = classes[node["class"]]
    config = {k: _decode(v, err) for k, v in node["config"].items()}
    if _is_container(cls):
        children = [_build(c, archive, classes, err, leaves) for c in node["children"]]
        build = lambda: cls._from_config(config, children)  # noqa: E731
    else:
        build = lambda: cls(**config)  # noqa: E731
    try:
        m = build()
    except ValueError as e:
        if "the file declares parameters" in str(e):
            err(False, str(e))
        err(False, f"cannot rebuild {cls.__name__}: ValueError: {e}")
    except (TypeError, MemoryError) as e:
        err(False, f"cannot rebuild {cls.__name__}: {type(e).__name__}: {e}")
    if not _is_container(cls):
        leaves.append((m, node))
    m._name, m._hex, m._training = node["name"], node["hex"], node["training"]
    m._scale_w, m._scale_b = float(node["scale_w"]), float(node["scale_b"])
    frozen = node.get("frozen")
    m._frozen = None if frozen is None else (float(frozen[0]), float(frozen[1]))
    if "kept" in node:
        err(hasattr(m, "_fixed_w"), f"{cls.__name__} has no initial parameters to keep")
        m._fixed_w, m._fixed_b = node["kept"]
    return m


def _fill(m, node, archive, err, check_finite):
    name = type(m).__name__
    pairs = m._param_pairs()
    err(len(node["params"]) == len(pairs),
        f"{name} expects {len(pairs)} parameter arrays, got {len(node['params'])}")
    bufs = m._saved_buffers()
    err(set(node.get("buffers", {})) == set(bufs),
        f"{name} expects buffers {sorted(bufs)}, got {sorted(node.get('buffers', {}))}")
    targets = [(k, w) for k, (w, _) in zip(node["params"], pairs)]
    targets += [(node["buffers"][n], b) for n, b in bufs.items()]
    for k, w in targets:
        shape, dtype = archive.members[k]
        err(shape == w.shape and dtype == w.dtype,
            f"parameter {k!r} of {name} is {dtype} {shape}, expected {w.dtype} {w.shape}")
    for k, w in targets:
        a = archive.read(k)
        if check_finite and not np.isfinite(a).all():
            raise ValueError(f"load_model: {archive.path} holds non-finite values in "
                             f"parameter {k!r} of {name} (check_finite=True)")
        w[...] = a


def save_model(module, path, over_write=False):
    """Write ``module`` (architecture, names, modes, parameters) to ``path`` atomically.

    FileExistsError (file unchanged) when ``path`` exists and not ``over_write``;
    FileNotFoundError naming the folder when it does not exist; TypeError, before
    anything is written, for a class outside ``bigdl_py.nn`` or a configuration value
    that cannot be stored.

    Examples
    --------
    >>> import os, tempfile
    >>> from bigdl_py.nn import Linear, Model
    >>> path = os.path.join(tempfile.mkdtemp(), "fc.bigdl")
    >>> fc = Linear(3, 2).set_name("fc")
    >>> _ = fc.save_model(path)
    >>> str(Model.load_model(path))
    'Linear[fc](3 -> 2)'
    """
    arrays = {}
    root = _encode_module(module, arrays, _classes())
    write_archive(path, {"format": "model", "version": VERSION, "root": root}, arrays,
                  over_write, "save_model")


def load_model(path, check_finite=False):
    """The module saved at ``path`` by ``save_model`` (same ``str()``, names, modes and
    bit-identical parameters); ValueError for a damaged, foreign or hostile file (see
    the module docstring), or, with ``check_finite=True``, for NaN or infinite
    parameters.  The global RNG is left untouched."""
    check_bool(check_finite, "load_model", "check_finite")
    with open_archive(path, "model", "load_model", (VERSION,)) as archive:
        def err(cond, what):
            expect(cond, "load_model", os.fspath(path), what)

        root, classes = archive.meta.get("root"), _classes()
        used = _check_tree(root, classes, archive.members, err)
        extra = set(archive.members) - used
        err(not extra, f"arrays {sorted(extra)[:5]} belong to no module")
        saved, leaves = RNG.get_state(), []
        try:
            with _params.loading(archive.nbytes()):
                model = _build(root, archive, classes, err, leaves)
        finally:
            RNG.set_state(saved)
        for m, node in leaves:
            _fill(m, node, archive, err, check_finite)
    return model


def _load_bigdl(path, weight_path=None, bigdl_type="float"):
    """BigDL's ``Model.loadModel(path)`` / ``Model.load(path)``: the same safe format as
    ``load_model`` (one file holds architecture and weights, so ``weight_path`` must be
    None)."""
    if weight_path is not None:
        raise ValueError(f"Model.loadModel: expected weight_path=None (a bigdl_py model file "
                         f"holds the weights), got {weight_path!r}")
    return load_model(path)

