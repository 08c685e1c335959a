# Included by each kernel module that writes large outputs with streaming (non-temporal)
# stores on its AVX2 path (dropout, batch norm): the output size from which it does, as the
# C global the nogil code reads, and the test-only entry point that moves it (tests lower it
# to compare the streaming path with the others on small arrays; bigdl_py._testing).
from libc.stdint cimport int64_t

cdef int64_t _stream_min = 1 << 24  # outputs of at least this many bytes (16 MiB)


def _stream_threshold(nbytes=None):
    """Outputs of at least this many bytes (default 16 MiB) are written with streaming
    stores (AVX2 path), which skip reading the destination into the cache; pass a value
    to change it (tests).  Returns the threshold in effect before the call."""
    global _stream_min
    old = _stream_min
    if nbytes is not None:
        _stream_min = int(nbytes)
    return old
