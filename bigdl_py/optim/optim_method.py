"""Optimisation methods: ``OptimMethod`` (state, save/load), the base of the methods with
BigDL's (Torch7's) update formulas (``SGD`` is in ``sgd.py``; ``Adam``, ``RMSprop``,
``Adagrad``, ``Adadelta``, ``Adamax`` in ``methods.py``).  Every update is one fused pass per parameter in ``_core/_optim.pyx``.

``optimize(pairs)`` applies one step in place to ``[(parameter, gradient), ...]`` (the
model's ``_param_pairs()``).  The state is per parameter (momentum buffers, moments) plus
the counters ``evalCounter`` (steps taken, drives the learning-rate decay), ``epoch`` and
``neval`` (kept by the Optimizer, BigDL's names), so training continues where it stopped
across ``optimize()`` calls and across ``save``/``OptimMethod.load``.

>>> import numpy as np
>>> from bigdl_py.optim import SGD
>>> w, g = np.ones(2, np.float32), np.full(2, 0.5, np.float32)
>>> sgd = SGD(0.1)
>>> sgd.optimize([(w, g)]) is sgd                   # w -= 0.1 * g, in place
True
>>> w.tolist(), sgd.state["evalCounter"]
([0.949999988079071, 0.949999988079071], 1)
"""
import math
import os

import numpy as np

from .._archive import VERSION, expect, read_archive, write_archive
from .._validate import check_number
from ..nn.module import Module
from ..parallel import get_num_threads
from ..tensor import Tensor

__all__ = ["OptimMethod"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} ndarray"
    return type(value).__name__



def _number(value, owner, name, low=0.0, high=math.inf, high_open=False):
    """A finite number in ``[low, high]`` (``[low, high)`` with ``high_open``): the optim
    methods' hyper-parameter rule over ``check_number``."""
    return check_number(value, owner, name, low=low, high=high, high_open=high_open)

def check_state(buffers, params, owner):
    """ValueError unless per-parameter optim state (``buffers``: one dict of arrays per
    parameter, e.g. from a file) fits the model's ``params`` (its parameter arrays, in
    ``_param_pairs`` order): one entry per parameter, every buffer of its parameter's shape
    and dtype.  No state at all (a method that has not stepped) fits any model."""
    if not buffers:
        return
    if len(buffers) != len(params):
        raise ValueError(f"{owner}: expected optim state for the model's {len(params)} "
                         f"parameters, got state for {len(buffers)}")
    for i, (w, buf) in enumerate(zip(params, buffers)):
        for name, b in (buf.items() if isinstance(buf, dict) else ()):
            if isinstance(b, np.ndarray) and (b.shape != w.shape or b.dtype != w.dtype):
                raise ValueError(f"{owner}: expected state buffer {name!r} of parameter {i} "
                                 f"of shape {w.shape} and dtype {w.dtype} (the model's), "
                                 f"got shape {b.shape} and dtype {b.dtype}")


class OptimMethod:
    """Base of the optimisation methods.

    Attributes
    ----------
    state : dict
        ``epoch`` (1-based), ``neval`` (1-based number of the next iteration) and
        ``evalCounter`` (steps taken), plus what the Optimizer records (``Loss``,
        ``score``).
    """

    _buffer_names = ()
    _registry = {}  # class name -> class, for load

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        OptimMethod._registry[cls.__name__] = cls

    def __init__(self):
        self.state = {"epoch": 1, "neval": 1, "evalCounter": 0}
        self._buffers = []  # per parameter: {name: ndarray}

    def optimize(self, pairs, frozen=None):
        """One step: update every parameter in place from its gradient; returns self.

        Everything is checked first (:meth:`_prepare_step`): a bad pair or buffer raises
        before any parameter, buffer or counter changes.  ``frozen`` (one bool per pair,
        e.g. from ``module.freeze``) leaves those parameters and their state untouched
        (weight decay does not move them either).
        """
        return self._plan(pairs, frozen)[0]()

    def _plan(self, pairs, frozen=None):
        """``(step, reusable)``: the checks of :meth:`optimize` done now, and ``step()``
        doing its update (returns self).  When ``reusable``, every array of ``pairs`` was
        taken as given (no Tensor unwrapped, no gradient cast), so ``step()`` may be called
        again for the next steps on the same arrays without checking them again: the
        Optimizer plans once per ``optimize()`` and calls ``step()`` every iteration."""
        given = pairs
        pairs = self._prepare_step(pairs)
        keep = [i for i in range(len(pairs)) if frozen is None or not frozen[i]]
        run = self._runner([pairs[i] for i in keep], [self._buffers[i] for i in keep], keep)

        def step():
            self._kept = keep  # the positions of the updated pairs among all the parameters
            run()
            self._count_step()
            return self
        reusable = isinstance(given, list) and len(given) == len(pairs) and all(
            w is p[0] and g is p[1] for (w, g), p in zip(pairs, given))
        return step, reusable

    def _runner(self, pairs, buffers, kept):
        """A function applying one update to the checked ``pairs`` (with their state
        ``buffers``; ``kept`` their positions); here :meth:`_step`.  A method may prepare
        per-parameter work here once and return a leaner function."""
        return lambda: self._step(pairs, buffers)

    def _count_step(self):
        self.state["evalCounter"] += 1

    def get_learning_rate(self):
        """The learning rate BigDL's summaries record (the base rate; see SGD)."""
        return getattr(self, "learningrate", 0.0)

    def _prepare_step(self, pairs):
        """The pre-step validation every optim method runs before it changes anything.

        Checks every ``(parameter, gradient)`` pair and every state buffer and returns the
        pairs as a list, each gradient as an ndarray of its parameter's dtype; creates the
        (empty) per-parameter buffer dicts on the first step.  Rules:

        - a parameter is a writable float32/float64 ndarray;
        - a gradient is a Tensor or a real ndarray of the parameter's shape; a float
          gradient of the other float dtype is **cast** to the parameter's dtype (the
          SPEC's rule for data meeting parameters: inputs and ``set_weights`` are cast to
          the parameter dtype); integer, bool or complex gradients are a TypeError;
        - the number of parameters is the one of the previous steps, and every buffer
          (momentum, moments, ...) is a writable ndarray of its parameter's dtype and
          shape, with a name in ``_buffer_names``.

        TypeError / ValueError ``"<Method>: expected ..., got ..."``, raised before any
        parameter, buffer or counter changes.  A method that overrides ``optimize`` (e.g.
        with a fused kernel) calls this first and updates only what it returns.
        """
        owner = type(self).__name__
        if isinstance(pairs, (str, bytes)):
            raise TypeError(f"{owner}: expected a list of (parameter, gradient) pairs, got "
                            f"{type(pairs).__name__}")
        try:
            pairs = list(pairs)
        except TypeError:
            raise TypeError(f"{owner}: expected a list of (parameter, gradient) pairs, got "
                            f"{type(pairs).__name__}") from None
        if self._buffers and len(self._buffers) != len(pairs):
            raise ValueError(f"{owner}: expected {len(self._buffers)} parameters (as in the "
                             f"previous steps), got {len(pairs)}")
        out = []
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{owner}: expected pair {i} as (parameter, gradient), got "
                                f"{type(pair).__name__}")
            w, g = pair
            if isinstance(w, Tensor):
                w = w.numpy()
            if not isinstance(w, np.ndarray) or w.dtype not in _FLOATS:
                raise TypeError(f"{owner}: expected parameter {i} as a float32 or float64 "
                                f"ndarray, got {_describe(w)}")
            if not w.flags.writeable:
                raise ValueError(f"{owner}: expected parameter {i} writable, got a read-only "
                                 "array")
            if isinstance(g, Tensor):
                g = g.numpy()
            if not isinstance(g, np.ndarray) or g.dtype not in _FLOATS:
                raise TypeError(f"{owner}: expected gradient {i} as a float32 or float64 "
                                f"ndarray, got {_describe(g)}")
            if g.shape != w.shape:
                raise ValueError(f"{owner}: expected gradient {i} of shape {w.shape}, got "
                                 f"{g.shape}")
            if self._buffers:
                self._check_buffers(i, w, self._buffers[i])
            out.append((w, g if g.dtype == w.dtype else g.astype(w.dtype)))
        if not self._buffers:
            self._buffers = [{} for _ in out]
        return out

    def _check_buffers(self, i, w, buf):
        owner = type(self).__name__
        if not isinstance(buf, dict):
            raise TypeError(f"{owner}: expected the state of parameter {i} as a dict, got "
                            f"{type(buf).__name__}")
        for name, b in buf.items():
            if name not in self._buffer_names:
                raise ValueError(f"{owner}: expected state buffers named "
                                 f"{list(self._buffer_names)}, got {name!r}")
            if not isinstance(b, np.ndarray) or b.dtype != w.dtype:
                raise TypeError(f"{owner}: expected state buffer {name!r} of parameter {i} "
                                f"as a {w.dtype} ndarray (the parameter's dtype), got "
                                f"{_describe(b)}")
            if b.shape != w.shape:
                raise ValueError(f"{owner}: expected parameter {i} of shape {b.shape} (as "
                                 f"in the previous steps), got {w.shape}")
            if not b.flags.writeable:
                raise ValueError(f"{owner}: expected state buffer {name!r} of parameter "
                                 f"{i} writable, got a read-only array")

    def _check_model(self, params, owner):
        """ValueError unless this method's state fits the parameter arrays ``params``
        (see :func:`check_state`); changes nothing.  A method with per-element settings
        (SGD) also checks their sizes."""
        check_state(self._buffers, params, owner)

    def clear_history(self):
        """Forget the per-parameter buffers (momentum, moments); counters are kept."""
        self._buffers = []
        return self

    def _step(self, pairs, buffers):
        """Update ``pairs`` in place (with their ``buffers``); ``self._kept`` holds their
        positions among all the parameters (frozen ones are left out)."""
        raise NotImplementedError

    def _buffer(self, buf, name, x):
        """The state array ``name`` of parameter ``x`` (zeros at first)."""
        b = buf.get(name)
        if b is None:
            b = buf[name] = np.zeros(x.shape, dtype=x.dtype)
        return b

    @staticmethod
    def _fused(kernel, x, g, buffers, *args):
        """``kernel(x, g, *buffers, *args, threads)`` on flat views (copies for a
        non-contiguous parameter, written back)."""
        xf = x.reshape(-1) if x.flags.c_contiguous else np.ascontiguousarray(x).reshape(-1)
        gf = np.ascontiguousarray(g, dtype=x.dtype).reshape(-1)
        kernel(xf, gf, *[b.reshape(-1) for b in buffers], *args, get_num_threads())
        if not np.shares_memory(xf, x):
            x[...] = xf.reshape(x.shape)

    @classmethod
    def _from_config(cls, config, arrays):
        """The method ``save`` described by its ``_config()`` and ``_config_arrays()``."""
        return cls(**config, **arrays)

    def _saved_config(self):
        """``_config()`` as JSON (what ``_from_config`` reads back)."""
        return self._config()

    def _config_arrays(self):
        """Constructor arguments that are arrays (saved as archive members)."""
        return {}

    def _config(self):
        """The constructor's keyword arguments, for ``save`` and ``repr``."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({args})"

    # ---- persistence --------------------------------------------------------------------
    def save(self, path, over_write=False):
        """Write the hyper-parameters, counters and buffers to ``path`` atomically."""
        arrays, buffers = {}, []
        for buf in self._buffers:
            entry = {}
            for name, arr in buf.items():
                entry[name] = f"a{len(arrays)}"
                arrays[entry[name]] = arr
            buffers.append(entry)
        config_arrays = {}
        for name, arr in self._config_arrays().items():
            config_arrays[name] = f"c{len(config_arrays)}"
            arrays[config_arrays[name]] = arr
        state = {k: v for k, v in self.state.items()  # a NaN loss is not kept
                 if v is None or isinstance(v, (bool, int, str))
                 or (isinstance(v, float) and math.isfinite(v))}
        meta = {"format": "optim_method", "version": VERSION, "class": type(self).__name__,
                "config": self._saved_config(), "state": state, "buffers": buffers,
                "config_arrays": config_arrays}
        write_archive(path, meta, arrays, over_write, f"{type(self).__name__}.save")
        return self

    @staticmethod
    def load(path, *, model=None):
        """The optim method saved at ``path`` (with its state and schedule); ValueError
        for a damaged, foreign or hostile file.  With ``model``, the state is also checked
        against the model's parameters (count, shapes, dtypes); ``Optimizer.optimize``
        checks it anyway before it restores or changes anything."""
        owner = "OptimMethod.load"
        meta, arrays = read_archive(path, "optim_method", owner, (VERSION,))

        def err(cond, what):
            expect(cond, owner, os.fspath(path), what)

        cls = OptimMethod._registry.get(meta.get("class"))
        err(cls is not None, f"unknown optim method {meta.get('class')!r}")
        config, state, buffers = meta.get("config"), meta.get("state"), meta.get("buffers")
        carrays = meta.get("config_arrays", {})
        err(isinstance(config, dict) and isinstance(state, dict) and isinstance(buffers, list)
            and isinstance(carrays, dict), "bad layout")
        err(all(isinstance(n, str) and n not in config and isinstance(k, str) and k in arrays
                for n, k in carrays.items()), "bad config arrays")
        try:
            method = cls._from_config(config, {n: arrays[k] for n, k in carrays.items()})
        except (TypeError, ValueError) as e:
            err(False, f"bad {cls.__name__} configuration: {e}")
        for key in ("epoch", "neval", "evalCounter"):
            v = state.get(key)
            err(isinstance(v, int) and not isinstance(v, bool) and v >= 0, f"bad {key}")
        err(all(v is None or isinstance(v, (bool, int, float, str)) for v in state.values()),
            "bad state values")
        method.state = dict(state)
        for entry in buffers:
            err(isinstance(entry, dict) and set(entry) <= set(cls._buffer_names)
                and all(isinstance(k, str) and k in arrays for k in entry.values()),
                "bad buffer entry")
            bufs = {n: arrays[k] for n, k in entry.items()}
            err(all(b.dtype in _FLOATS for b in bufs.values()),
                "a state buffer is not float32 or float64")
            err(len({(b.dtype, b.shape) for b in bufs.values()}) <= 1,
                "the state buffers of one parameter differ in dtype or shape")
            method._buffers.append({n: b.copy() for n, b in bufs.items()})
        if model is not None:
            if not isinstance(model, Module):
                raise TypeError(f"{owner}: expected model to be a bigdl_py Module, got "
                                f"{type(model).__name__}")
            method._check_model([w for w, _ in model._param_pairs()], owner)
        return method
