"""The global random generator ``RNG``: stateless Philox4x32-10 (default, parallel) or
BigDL's MT19937 (serial, bit-for-bit BigDL's numbers).

>>> import numpy as np
>>> from bigdl_py import RNG
>>> RNG.set_seed(42)
>>> a = RNG.uniform_(np.empty(3), 0.0, 1.0)
>>> RNG.set_seed(42)                 # same seed, same numbers (for any thread count)
>>> bool((RNG.uniform_(np.empty(3), 0.0, 1.0) == a).all())
True
>>> RNG.set_algorithm("mt19937"); RNG.set_seed(1)   # BigDL's generator and numbers
>>> RNG.uniform_(np.empty(3), 0.0, 1.0).round(6).tolist()
[0.417022, 0.997185, 0.720324]
>>> RNG.set_algorithm("philox")
"""
import secrets

import numpy as np

from . import _random
from ._random import philox4x32_10
from ._validate import check_choice, check_finite, check_int
from .parallel import get_num_threads

__all__ = ["RNG", "RandomGenerator", "philox4x32_10"]

ALGORITHMS = ("philox", "mt19937")


class RandomGenerator:
    """One generator behind two algorithms (SPEC §2).

    In ``"philox"`` mode each fill takes a fresh call offset: the numbers depend only
    on the seed and the sequence of calls, never on the thread count.  In
    ``"mt19937"`` mode the draws are BigDL's: MT19937 seeded with ``seed & 0xffffffff``,
    uniforms ``raw * 2**-32``, Bernoulli ``u <= p``, Box-Muller normals with a cached
    pair, consumed in row-major order.
    """

    def __init__(self):
        self._algorithm = "philox"
        self.set_seed(secrets.randbits(32))

    def __repr__(self):
        return f"RNG(algorithm={self._algorithm!r}, seed={self._seed})"

    # ---- public API -------------------------------------------------------------
    def set_seed(self, seed):
        """Reseed both algorithms; clears the Box-Muller cache and the call counter."""
        seed = check_int(seed, "RNG.set_seed", "seed", 0, 2 ** 64 - 1)
        self._seed = seed
        self._offset = 0
        self._mt = np.random.RandomState(seed & 0xFFFFFFFF)._bit_generator
        self._mt_saved = None
        self._cached_normal = None

    def get_seed(self):
        return self._seed

    def get_state(self):
        """The whole generator state (algorithm, seed, philox call counter, MT19937 state,
        Box-Muller cache) as an opaque value for :meth:`set_state`.

        >>> s = RNG.get_state(); a = RNG.mt_raw(2); RNG.set_state(s)
        >>> bool((RNG.mt_raw(2) == a).all())
        True
        """
        if self._mt_saved is None:  # MT19937's state getter takes ~25 us: kept until a draw
            st = self._mt.state["state"]
            self._mt_saved = (st["key"], st["pos"])
        key, pos = self._mt_saved
        return (self._algorithm, self._seed, self._offset,
                {"bit_generator": "MT19937", "state": {"key": key.copy(), "pos": pos}},
                self._cached_normal)

    def set_state(self, state):
        """Restore a state returned by :meth:`get_state`.  Every part is checked before
        anything changes: TypeError for a part of the wrong type (the MT19937 key must be
        a uint32 ndarray), ValueError for a wrong value, and the generator is untouched.

        >>> s = RNG.get_state()
        >>> RNG.set_state(s[:4])
        Traceback (most recent call last):
            ...
        ValueError: RNG.set_state: expected a state from RNG.get_state() (5 parts), got 4 parts
        """
        owner = "RNG.set_state"
        if not isinstance(state, tuple):
            raise TypeError(f"{owner}: expected a state from RNG.get_state() (a tuple), got "
                            f"{type(state).__name__}")
        if len(state) != 5:
            raise ValueError(f"{owner}: expected a state from RNG.get_state() (5 parts), got "
                             f"{len(state)} parts")
        algorithm, seed, offset, mt, cached = state
        algorithm = check_choice(algorithm, owner, "algorithm", ALGORITHMS)
        seed = check_int(seed, owner, "seed", 0, 2 ** 64 - 1)
        offset = check_int(offset, owner, "offset", 0, 2 ** 64 - 1)
        key, pos = _mt_state(mt, owner)
        cached = None if cached is None else check_finite(cached, owner, "cached_normal")
        self._mt.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._mt_saved = None
        self._algorithm, self._seed, self._offset = algorithm, seed, offset
        self._cached_normal = cached

    def set_algorithm(self, name):
        """``"philox"`` (default) or ``"mt19937"`` (BigDL's exact numbers)."""
        self._algorithm = check_choice(name, "RNG.set_algorithm", "name", ALGORITHMS)

    def algorithm(self):
        return self._algorithm

    # ---- BigDL Python's RNG class: RNG().set_seed(s); RNG().uniform(a, b, size) ---------
    def __call__(self, bigdl_type="float"):
        """BigDL's ``RNG()`` is a handle on its one global generator: this object."""
        return self

    def uniform(self, a, b, size):
        """A new float32 array of shape ``size`` drawn from U(a, b) (BigDL's
        ``RNG().uniform``)."""
        return self.uniform_(np.empty(size, dtype=np.float32), a, b)

    # ---- for kernels ------------------------------------------------------------
    def philox_stream(self, count=1):
        """Reserve ``count`` fresh call offsets: returns (key, first offset)."""
        offset = self._offset
        self._offset += count
        return self._seed, offset

    def mt_raw(self, n):
        """n raw 32-bit MT19937 draws (uint64 array), in BigDL's order."""
        self._mt_saved = None
        return self._mt.random_raw(n)

    def mt_standard_normal(self, n):
        """n standard normals in BigDL's Box-Muller order, honouring the cached pair."""
        z = np.empty(n, dtype=np.float64)
        start = 0
        if n and self._cached_normal is not None:
            z[0] = self._cached_normal
            self._cached_normal = None
            start = 1
        rest = n - start
        pairs = (rest + 1) // 2
        if pairs:
            buf = np.empty(2 * pairs, dtype=np.float64)
            _random.mt_box_muller(buf, self.mt_raw(2 * pairs))
            z[start:] = buf[:rest]
            if rest % 2:
                self._cached_normal = buf[-1]
        return z

    # ---- fills of a contiguous float32/float64 array, in place ----------------------
    def uniform_(self, out, a=0.0, b=1.0):
        return self._fill("uniform", out, a, b)

    def normal_(self, out, mean=0.0, std=1.0):
        return self._fill("normal", out, mean, std)

    def bernoulli_(self, out, p=0.5):
        return self._fill("bernoulli", out, p, 0.0)

    def _fill(self, kind, out, a, b):
        """``out`` filled in place: ``kind`` "uniform" U[a, b), "normal" N(a, b**2),
        "bernoulli" 1 with probability a, else 0."""
        flat = _flat(out)
        if self._algorithm == "mt19937":
            n = flat.size
            draws = self.mt_standard_normal(n) if kind == "normal" else self.mt_raw(n)
            _random.mt_fill(kind, flat, draws, a, b)
        else:
            key, off = self.philox_stream()
            _random.fill(kind, flat, a, b, key, off, get_num_threads())
        return out


def _mt_state(mt, owner):
    """(key, pos) of an MT19937 state dict as ``get_state`` gives it, checked."""
    if not isinstance(mt, dict):
        raise TypeError(f"{owner}: expected the MT19937 state as a dict like get_state()'s, "
                        f"got {type(mt).__name__}")
    inner = mt.get("state")
    if not isinstance(inner, dict):
        raise TypeError(f"{owner}: expected the MT19937 state's 'state' entry to be a dict, "
                        f"got {type(inner).__name__}")
    if mt.get("bit_generator") != "MT19937":
        raise ValueError(f"{owner}: expected an MT19937 state, got bit_generator "
                         f"{mt.get('bit_generator')!r:.40}")
    key = inner.get("key")
    if not isinstance(key, np.ndarray) or key.dtype != np.uint32:
        raise TypeError(f"{owner}: expected the MT19937 key as a uint32 ndarray, got "
                        f"{getattr(key, 'dtype', type(key).__name__)}")
    if key.shape != (624,):
        raise ValueError(f"{owner}: expected the MT19937 key of shape (624,), got {key.shape}")
    return key, check_int(inner.get("pos"), owner, "the MT19937 pos", 0, 624)


def _flat(out):
    if not isinstance(out, np.ndarray) or out.dtype not in (np.float32, np.float64) \
            or not out.flags.c_contiguous or not out.flags.writeable:
        raise TypeError("RNG: expected a writable C-contiguous float32/float64 ndarray, got "
                        f"{type(out).__name__} {getattr(out, 'dtype', '')}")
    return out.reshape(-1)


RNG = RandomGenerator()
