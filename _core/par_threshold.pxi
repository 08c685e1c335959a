# Included by each kernel module whose parallel passes have a size threshold, after the
# module's PAR_MIN (a named constant there, with the measurement behind it): the threshold
# as the C global the nogil code reads (through threads.pxd's team()), and the one
# test-only entry point that moves it (tests lower it to run the parallel paths on small
# arrays; see tests/conftest.py's parallel_passes and bigdl_py._testing).

cdef Py_ssize_t _par_min = PAR_MIN


def _set_parallel_threshold(Py_ssize_t elements):
    """Set the work size from which this module's loops use ``n_threads``; returns the old
    one."""
    global _par_min
    old, _par_min = _par_min, elements
    return old
