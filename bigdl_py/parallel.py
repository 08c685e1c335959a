"""The one thread budget: ``set_num_threads`` / ``get_num_threads`` / ``threads``.

Every parallel loop in ``_core`` gets the count explicitly, and so do bigdl_py's GEMMs
(scipy's BLAS, through ``scipy.linalg.cython_blas``; used by Linear, NIN, the convolutions
and ``Tensor.addmm``), over ONE thread pool: BLAS runs single-threaded inside them, and a
GEMM of at least ``GEMM_PAR_MIN`` multiply-adds (``_core/rowgemm.pxd``) is cut into parts
(rows or columns of the result; their count follows from the sizes and the machine's CPU
count, never from the budget) that bigdl_py's own OpenMP team shares.  BLAS's pool is
never woken: its worker spins for ~0.1 s after each threaded call, and beside OpenMP's
workers two pools kept three busy threads on two cores (the digits CNN of
``examples/train_digits.py`` trained 2.3x slower).  Results are
bitwise the same at any thread count, because the parts do not depend on it.

The BLAS limit is scoped to bigdl_py's own GEMM calls: each call sets the BLAS thread
count to one, runs, and gives the BLAS back the count it had, so your own numpy/scipy
calls keep theirs (to limit those too, wrap them in ``threadpoolctl.threadpool_limits``,
installed with bigdl_py).  The library is found once, on the first GEMM, through
``threadpoolctl``; after that a switch costs two C calls.  Concurrent GEMMs from several
Python threads share the BLAS's one process-wide count.

Fork safety: OpenMP's thread pool (GNU libgomp's) does not survive ``fork()``, so a child
that ran a parallel kernel would hang.  As PyTorch does, a forked child starts with a
budget of 1 thread (results are bitwise the same at any count); ``set_num_threads`` in
the child overrides it, at the user's risk.
"""
import contextlib
import ctypes
import importlib
import os

from . import _openmp
from ._validate import is_int

__all__ = ["set_num_threads", "get_num_threads", "threads", "openmp_enabled", "MAX_THREADS"]

#: The largest thread count accepted (``_core/threads.pxd``): far above any core count,
#: far below the tens of thousands of threads that make OpenMP abort the process.
MAX_THREADS = _openmp.MAX_THREADS


def _default_threads():
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return min(int(env), MAX_THREADS)
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n = os.cpu_count() or 1
    return min(max(1, n), MAX_THREADS)


_num_threads = _default_threads()


def _forked_child():
    global _num_threads
    _num_threads = 1


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forked_child)


def openmp_enabled():
    """True when bigdl_py's kernels were compiled with OpenMP (else they run serially)."""
    return _openmp.openmp_enabled()


def _check(n, owner):
    if not is_int(n):
        raise TypeError(f"{owner}: expected a positive int, got {n!r}")
    if not 1 <= n <= MAX_THREADS:
        raise ValueError(f"{owner}: expected a positive int <= {MAX_THREADS} "
                         f"(MAX_THREADS), got {n}")
    return int(n)


def set_num_threads(n):
    """Set the thread budget of bigdl_py: OpenMP loops and BLAS in its GEMMs.

    Parameters
    ----------
    n : int
        1 to ``MAX_THREADS`` (1024).  The default is ``OMP_NUM_THREADS`` when set, else the
        CPUs this process may run on; 1 in a forked child.

    Examples
    --------
    >>> import bigdl_py
    >>> old = bigdl_py.get_num_threads()
    >>> bigdl_py.set_num_threads(1)
    >>> bigdl_py.get_num_threads()
    1
    >>> bigdl_py.set_num_threads(old)
    """
    global _num_threads
    _num_threads = _check(n, "set_num_threads")


def get_num_threads():
    """The thread budget of bigdl_py's kernels and GEMMs (see ``set_num_threads``)."""
    return _num_threads


@contextlib.contextmanager
def threads(n):
    """``with bigdl_py.threads(n):`` runs the block with a budget of ``n`` threads and
    restores the previous budget afterwards, also after an error (a child forked inside
    the block leaves it with the child's budget of 1).

    Examples
    --------
    >>> import bigdl_py
    >>> with bigdl_py.threads(1):
    ...     bigdl_py.get_num_threads()
    1
    """
    global _num_threads
    n = _check(n, "threads")
    old, pid = _num_threads, os.getpid()
    _num_threads = n
    try:
        yield n
    finally:
        _num_threads = old if os.getpid() == pid else 1


# ---- the BLAS switch (read by _core/threads.pxd) ---------------------------------------------
class _BlasBlock(ctypes.Structure):
    # the C struct bigdl_blas_ctl of _core/threads.pxd
    _fields_ = [("get", ctypes.c_void_p), ("set", ctypes.c_void_p), ("seen", ctypes.c_int),
                ("team", ctypes.c_int), ("parts", ctypes.c_int)]


def _gemm_parts_max():
    # the machine's CPU count (not the budget, nor this process's affinity, both of which
    # change) rounded up to a power of two, at most 64: a split GEMM's most parts
    n = min(os.cpu_count() or 1, 64)
    return 1 << (n - 1).bit_length()


# get/set function names per threadpoolctl internal_api; OpenBLAS builds add affixes
# (scipy's wheels: scipy_openblas_get_num_threads, numpy's: ..._get_num_threads64_)
_BLAS_SYMBOLS = {
    "openblas": ("openblas_get_num_threads", "openblas_set_num_threads"),
    "mkl": ("MKL_Get_Max_Threads", "MKL_Set_Num_Threads"),
    "flexiblas": ("flexiblas_get_num_threads", "flexiblas_set_num_threads"),
}
_AFFIXES = [(p, s) for p in ("", "scipy_") for s in ("", "64_", "_64")]
_blas = None  # (block, controller): found once per process, on the first GEMM


def _scipy_blas_first(controllers):
    """The BLAS controllers, those shipped inside scipy's own folders first (a wheel's
    ``scipy.libs``/``.dylibs``: what ``scipy.linalg.cython_blas`` calls)."""
    import scipy
    site = os.path.dirname(os.path.dirname(os.path.realpath(scipy.__file__)))

    def from_scipy(c):
        rel = os.path.relpath(os.path.realpath(c.filepath), site)
        return rel.split(os.sep)[0].startswith("scipy")
    return sorted(controllers, key=lambda c: not from_scipy(c))


def _blas_functions(controller):
    names = _BLAS_SYMBOLS.get(controller.internal_api)
    if names is None:
        return None
    for prefix, suffix in _AFFIXES:
        get, set_ = (getattr(controller.dynlib, f"{prefix}{n}{suffix}", None) for n in names)
        if get is not None and set_ is not None:
            return (ctypes.cast(get, ctypes.c_void_p).value,
                    ctypes.cast(set_, ctypes.c_void_p).value)
    return None


def _find_blas():
    """(get, set) addresses and the controller of the BLAS behind bigdl_py's GEMMs, or
    None (no threadpoolctl, or a BLAS it cannot set: its own threading then applies)."""
    try:
        importlib.import_module("scipy.linalg.cython_blas")  # loaded: the caller used it
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    blas = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
    for c in _scipy_blas_first(blas):
        fns = _blas_functions(c)
        if fns is not None:
            return fns, c
    return None


def _blas_block():
    """Address of the one BLAS block; the first call finds the BLAS."""
    global _blas
    if _blas is None:
        block, found = _BlasBlock(), _find_blas()
        block.parts = _gemm_parts_max()
        if found is not None:
            (block.get, block.set), controller = found
        _blas = (block, None if found is None else controller)  # keeps the library loaded
    return ctypes.addressof(_blas[0])


def _blas_library():
    """The path of the BLAS library bigdl_py controls, or None."""
    _blas_block()
    return None if _blas[1] is None else _blas[1].filepath


def _blas_threads_seen():
    """BLAS threads in effect inside the last bigdl_py GEMM (for tests); 0 before any."""
    _blas_block()
    return _blas[0].seen


def _set_gemm_parts_max(n):
    """Set the most parts of a split GEMM (for tests); returns the old value."""
    _blas_block()
    old, _blas[0].parts = _blas[0].parts, n
    return old


def _gemm_threads_seen():
    """Threads of bigdl_py's team the last GEMM was split over (for tests); 0 before any."""
    _blas_block()
    return _blas[0].team
