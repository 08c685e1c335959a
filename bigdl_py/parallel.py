"""Thread count for every parallel loop in ``_core`` (each passes it explicitly).

>>> import bigdl_py
>>> old = bigdl_py.get_num_threads()
>>> bigdl_py.set_num_threads(2)
>>> bigdl_py.get_num_threads()
2
>>> bigdl_py.set_num_threads(old)
"""
import os

from . import _openmp

__all__ = ["set_num_threads", "get_num_threads", "openmp_enabled"]


def _default_threads():
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


_num_threads = _default_threads()


def openmp_enabled():
    """True when bigdl_py's kernels were compiled with OpenMP (else they run serially)."""
    return _openmp.openmp_enabled()


def set_num_threads(n):
    """Set the number of threads the kernels use (a positive int)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: expected a positive int, got {n!r}")
    if n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n}")
    _num_threads = n


def get_num_threads():
    """The number of threads the kernels use (default: OMP_NUM_THREADS, else the CPUs)."""
    return _num_threads
