"""Gradient clipping for the Optimizer (BigDL's ``parameterProcessors``, FRAMEWORK.md §7).

``set_gradclip_const(min, max)`` clamps every gradient element; ``set_gradclip_l2norm(c)``
divides all gradients by ``L / c`` when their global L2 norm ``L`` (over every parameter,
one flat vector) exceeds ``c``.  Both act in place on the averaged mini-batch gradient,
before the optim method (so before weight decay and momentum), in the order they were
first set; setting a kind again replaces it where it is.  Thresholds are rounded to
float32, as BigDL's Python API passes Floats.  The passes are ``_core/_gradclip.pyx``
kernels (clamp, a thread-independent sum of squares, divide).

>>> import numpy as np
>>> g = np.array([3.0, -4.0], np.float32)            # L2 norm 5
>>> clip_gradients([l2_clip(1.0)], [(np.zeros(2, np.float32), g)])
>>> g.tolist()
[0.6000000238418579, -0.800000011920929]
"""
import math

import numpy as np

from .. import _gradclip
from .._validate import check_number
from ..parallel import get_num_threads

__all__ = ["const_clip", "l2_clip", "with_clip", "clip_gradients"]


def _threshold(value, owner, name):
    """``value`` rounded to float32: any number but NaN (infinities clip nothing)."""
    value = check_number(value, owner, name, low=-math.inf, high=math.inf, finite=False)
    return float(np.float32(value))


def const_clip(min_value, max_value):
    owner = "Optimizer.set_gradclip_const"
    lo = _threshold(min_value, owner, "min_value")
    hi = _threshold(max_value, owner, "max_value")
    if lo > hi:
        raise ValueError(f"{owner}: expected min_value <= max_value, got {min_value} > "
                         f"{max_value} (min value can not be larger than max)")
    return ("const", lo, hi)


def l2_clip(clip_norm):
    owner = "Optimizer.set_gradclip_l2norm"
    c = _threshold(clip_norm, owner, "clip_norm")
    if not c > 0 or math.isinf(c):
        raise ValueError(f"{owner}: expected clip_norm > 0 and finite, got {clip_norm} "
                         "(l2NormThreshold should larger than zero)")
    return ("l2", c)


def with_clip(clips, entry):
    """``clips`` with ``entry`` replacing the entry of its kind in place, else appended."""
    kinds = [c[0] for c in clips]
    if entry[0] in kinds:
        return [entry if k == entry[0] else c for k, c in zip(kinds, clips)]
    return clips + [entry]


def _flat(g):
    return g.reshape(-1) if g.flags.c_contiguous else None


def clip_gradients(clips, pairs):
    """Apply ``clips`` in order to the gradients of ``pairs`` (in place)."""
    nt = get_num_threads()
    grads = [g for _, g in pairs]
    flats = [_flat(g) if _flat(g) is not None else np.ascontiguousarray(g).reshape(-1)
             for g in grads]
    for kind, *args in clips:
        if kind == "const":
            for f in flats:
                _gradclip.clip(f, args[0], args[1], nt)
        else:
            norm = math.sqrt(sum(_gradclip.sumsq(f, nt) for f in flats))
            if norm > args[0]:
                for f in flats:
                    _gradclip.divide(f, norm / args[0], nt)
    for g, f in zip(grads, flats):
        if not np.shares_memory(g, f):
            g[...] = f.reshape(g.shape)
