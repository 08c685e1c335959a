"""Whether this build has OpenMP, and how many threads the runtime offers."""
from cython.parallel cimport prange
from _omp cimport BIGDL_OPENMP, omp_get_max_threads, omp_get_thread_num
from threads cimport MAX_THREADS as _MAX_THREADS

MAX_THREADS = _MAX_THREADS  # the cap of every thread count (threads.pxd)


def openmp_enabled():
    """True when the extension modules were compiled with OpenMP."""
    return bool(BIGDL_OPENMP)


def max_threads():
    """The OpenMP runtime's default thread count (1 without OpenMP)."""
    return omp_get_max_threads()


def _threads_used(int n_threads):
    """How many distinct threads a ``prange`` with ``num_threads=n_threads`` ran on."""
    cdef int i, seen = 0
    cdef int[64] ids
    cdef int k = min(n_threads, 64)
    for i in range(64):
        ids[i] = 0
    for i in prange(k, schedule='static', num_threads=k, nogil=True):
        ids[omp_get_thread_num() % 64] = 1
    for i in range(64):
        seen += ids[i]
    return seen
