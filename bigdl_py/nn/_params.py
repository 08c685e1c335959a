"""Parameter allocation shared by every layer with weights, and the loading context.

A layer allocates its parameters (and their gradients, and any saved buffers such as
running statistics) through :func:`allocate`, which checks the total size first:

- more bytes than this machine's physical memory is a ``ValueError`` naming the size
  (``Linear(10**12, 10**12)`` would need 8.0 TB), instead of a raw allocation error or a
  process killed while the initial weights are drawn;
- while ``load_model`` builds a model (:func:`loading`), the parameters and buffers
  together may not exceed the array bytes the file holds, so a tiny file that declares a
  huge layer fails before anything is allocated; and initial values are not drawn
  (:func:`drawing_skipped`: the ``bigdl_py.nn.init`` methods do nothing), since the file's
  arrays replace them.
"""
import contextlib
import math
import os
import threading

import numpy as np

__all__ = ["allocate", "check_fits", "loading", "drawing_skipped", "physical_memory"]

_state = threading.local()


def physical_memory():
    """Bytes of physical memory (None when the platform does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _size(n):
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def allocate(owner, dtype, params, grads=True):
    """Zero-filled arrays for ``params`` ({name: shape}) of ``dtype``, plus a gradient of
    the same shape for each when ``grads``: ``{name: array}`` and ``{"grad_" + name:
    array}`` in one dict.  Checks the total before allocating anything (see the module
    docstring); ``ValueError("<owner>: expected parameters that fit in memory, got ...")``.
    """
    dtype = np.dtype(dtype)
    nbytes = check_fits(owner, dtype, params.values(), grads)
    budget = getattr(_state, "budget", None)
    if budget is not None:
        if nbytes > budget[0]:
            raise ValueError(f"{owner}: the file declares parameters of {_size(nbytes)} "
                             f"but holds only {_size(budget[0])} of arrays for them")
        budget[0] -= nbytes
    out = {}
    for name, shape in params.items():
        out[name] = np.zeros(shape, dtype)
        if grads:
            out["grad_" + name] = np.zeros(shape, dtype)
    return out


def check_fits(owner, dtype, shapes, grads=True):
    """The bytes of arrays of ``shapes`` and ``dtype`` (one copy); ``ValueError`` naming
    the size when they (twice that ``grads``: with their gradients) exceed this machine's
    physical memory.  Nothing is allocated."""
    dtype = np.dtype(dtype)
    n = sum(math.prod(s) for s in shapes)
    nbytes = n * dtype.itemsize
    total = nbytes * (2 if grads else 1)
    ram = physical_memory()
    if ram is not None and total > ram:
        raise ValueError(f"{owner}: expected parameters that fit in memory, got {n} "
                         f"{dtype} values needing {_size(total)}"
                         f"{' with their gradients' if grads else ''} (this machine has "
                         f"{_size(ram)})")
    return nbytes


@contextlib.contextmanager
def loading(nbytes):
    """While active (one thread): :func:`allocate` draws parameter bytes from a budget of
    ``nbytes`` and initial values are not drawn."""
    old = getattr(_state, "budget", None)
    _state.budget = [nbytes]
    try:
        yield
    finally:
        _state.budget = old


def drawing_skipped():
    """True while a model is being loaded (initialisers leave the arrays as they are)."""
    return getattr(_state, "budget", None) is not None


# ---- one flat storage (Module.get_parameters) ------------------------------------------------
_SLOTS = ("weight", "grad_weight", "bias", "grad_bias")  # the attributes that hold parameters


def flat_storage(pairs):
    """``(W, G)`` when ``pairs`` are already consecutive views of two flat vectors, in
    order and covering them (a second ``get_parameters``), else None."""
    if not pairs:
        return None
    W, G = pairs[0][0].base, pairs[0][1].base
    if not (isinstance(W, np.ndarray) and isinstance(G, np.ndarray)) or W.ndim != 1 \
            or G.shape != W.shape or G.dtype != W.dtype or not W.flags.c_contiguous \
            or not G.flags.c_contiguous:
        return None
    o = 0
    for w, g in pairs:
        if w.base is not W or g.base is not G or w.shape != g.shape \
                or not (w.flags.c_contiguous and g.flags.c_contiguous) \
                or w.ctypes.data != W.ctypes.data + o * W.itemsize \
                or g.ctypes.data != G.ctypes.data + o * G.itemsize:
            return None
        o += w.size
    return (W, G) if o == W.size else None


def flatten(pairs, leaves, owner):
    """BigDL's ``getParameters``: copy the parameters and gradients of ``pairs`` (a
    model's ``_param_pairs()``) into two new flat vectors and rebind every parameter
    attribute of the ``leaves`` to views of them; returns ``(W, G)``.

    ValueError, before anything changes, for parameters of several dtypes, a parameter
    listed twice (a module used twice in one model), or a gradient shaped unlike its
    parameter."""
    arrays = [a for pair in pairs for a in pair]
    dtypes = sorted({a.dtype.name for a in arrays})
    if len(dtypes) > 1:
        raise ValueError(f"{owner}.get_parameters: expected parameters and gradients of one "
                         f"dtype, got {', '.join(dtypes)}")
    if len({id(a) for a in arrays}) != len(arrays):
        raise ValueError(f"{owner}.get_parameters: expected each parameter once, got one "
                         "listed twice (a module used twice in the model)")
    for w, g in pairs:
        if g.shape != w.shape:
            raise ValueError(f"{owner}.get_parameters: expected gradients shaped like their "
                             f"parameters, got {g.shape} for {w.shape}")
    where = {}  # id(array) -> [(module, attribute)] holding it
    for m in leaves:
        for attr in _SLOTS:
            a = getattr(m, attr, None)
            if isinstance(a, np.ndarray):
                where.setdefault(id(a), []).append((m, attr))
    missing = [a.shape for a in arrays if id(a) not in where]
    if missing:
        raise ValueError(f"{owner}.get_parameters: expected every parameter in a "
                         f"weight/bias attribute, got one of shape {missing[0]} elsewhere")
    dtype = np.dtype(dtypes[0] if dtypes else np.float32)
    n = sum(w.size for w, _ in pairs)
    W, G = np.empty(n, dtype), np.empty(n, dtype)
    o, views = 0, []
    for w, g in pairs:
        s = slice(o, o + w.size)
        W[s], G[s] = w.reshape(-1), g.reshape(-1)
        views.append((w, W[s].reshape(w.shape)))
        views.append((g, G[s].reshape(g.shape)))
        o += w.size
    for old, view in views:  # everything checked and copied: now rebind
        for m, attr in where[id(old)]:
            setattr(m, attr, view)
    return W, G
