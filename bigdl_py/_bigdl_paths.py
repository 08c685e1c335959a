"""BigDL's module paths under ``bigdl_py`` (SPEC §12): re-exports, never copies.

A BigDL script ports by renaming ``bigdl`` to ``bigdl_py`` in its imports, so each of
BigDL's Python modules (``bigdl.nn.layer``, ``bigdl.dllib.optim.optimizer``, ...) has a
module of the same path here whose names resolve, on first use, to the one definition
bigdl_py has.  A BigDL name that bigdl_py does not implement resolves to a placeholder
that raises ``NotImplementedError`` naming it when it is called or used -- never at
import, so ``from bigdl_py.nn.layer import *`` always works.  Star imports also bring
``np``, ``sys`` and ``os``, which BigDL's modules leak and its examples rely on.

A path module is two lines::

    from bigdl_py._bigdl_paths import reexport
    __getattr__, __dir__, __all__ = reexport(__name__, "layer")
"""
import importlib
import os
import sys

import numpy as np

from . import _bigdl_names

__all__ = ["reexport", "alias", "Missing"]

# where each BigDL module's names are looked up, in order (modules that cannot be imported,
# e.g. the Spark ones without pyspark, are skipped)
_NN = ("bigdl_py.nn", "bigdl_py.nn.criterion", "bigdl_py.nn.init")
_OPTIM = ("bigdl_py.optim",)
_COMMON = ("bigdl_py.utils", "bigdl_py.utils.nncontext")
_SOURCES = {
    "layer": _NN + _OPTIM + _COMMON,
    "criterion": ("bigdl_py.nn.criterion",) + _COMMON,
    "initialization_method": ("bigdl_py.nn.init",),
    "optimizer": _OPTIM + _COMMON,
    "common": _COMMON + _OPTIM,
    "nncontext": _COMMON + _OPTIM,
}
# BigDL modules that star-import bigdl.util.common (0.x's optimizer, 2.x's nncontext)
_STAR_COMMON = ("optimizer", "nncontext")
# BigDL names whose bigdl_py object has another name: name -> (module, attribute)
_ALIASES = {"Layer": ("bigdl_py.nn", "Module"), "RNG": ("bigdl_py", "RNG")}
# names BigDL's modules import from pyspark and leak to star imports
_PYSPARK = {"SparkContext": "pyspark", "SparkConf": "pyspark", "RDD": "pyspark",
            "DataFrame": "pyspark.sql", "SQLContext": "pyspark.sql"}
_LEAKED = {"np": np, "sys": sys, "os": os}
_PATHS = set()  # the modules made by reexport: looked into without their __getattr__


class Missing:
    """Stands for a BigDL name that bigdl_py does not implement: any use raises
    ``NotImplementedError`` naming it (and the module it was imported from)."""

    def __init__(self, name, path, why="is not implemented by bigdl_py"):
        self._what = f"{path}.{name} (BigDL's {name}) {why}"

    def _fail(self, *args, **kwargs):
        raise NotImplementedError(self._what)

    __call__ = _fail

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()

    def __repr__(self):
        return f"<missing: {self._what}>"


def _resolve(name, sources, path):
    if name in _LEAKED:
        return _LEAKED[name]
    if name in _PYSPARK:
        try:
            return getattr(importlib.import_module(_PYSPARK[name]), name)
        except ImportError:
            return Missing(name, path, "needs pyspark: pip install 'bigdl_py[spark]'")
    module, attr = _ALIASES.get(name, (None, name))
    for source in (module,) if module else sources:
        try:
            mod = importlib.import_module(source)
        except ImportError:
            continue
        value = vars(mod).get(attr) if source in _PATHS else getattr(mod, attr, None)
        if value is not None and not isinstance(value, Missing):
            return value
    return Missing(name, path)


def reexport(module_name, bigdl_module, own=()):
    """``(__getattr__, __dir__, __all__)`` for the module ``module_name`` standing for
    BigDL's ``bigdl_module`` (a key of ``_SOURCES``); ``own`` are the names the module
    defines itself (kept first in ``__all__``)."""
    names = getattr(_bigdl_names, bigdl_module.upper())
    if bigdl_module in _STAR_COMMON:
        names = names + _bigdl_names.COMMON
    sources = _SOURCES[bigdl_module]
    public = list(own) + [n for n in names if n not in own] + \
        [n for n in _LEAKED if n not in own]
    wanted = set(public)
    _PATHS.add(module_name)

    def __getattr__(name):
        if name not in wanted:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = _resolve(name, sources, module_name)
        setattr(sys.modules[module_name], name, value)  # resolved once
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[module_name])) | wanted)

    return __getattr__, __dir__, public


def alias(target):
    """``(__getattr__, __dir__, __all__)`` for a module that stands for the module
    ``target`` as a whole (another path to the same objects, e.g. BigDL 2.x's
    ``bigdl.dllib.keras.layers`` for ``bigdl_py.keras.layers``): its names resolve, on
    use, to ``target``'s; star imports take ``target``'s ``__all__``."""
    module = importlib.import_module(target)

    def __getattr__(name):
        try:
            return getattr(module, name)
        except AttributeError:
            raise AttributeError(f"module {target!r} has no attribute {name!r}") from None

    def __dir__():
        return list(module.__all__)

    return __getattr__, __dir__, list(module.__all__)
