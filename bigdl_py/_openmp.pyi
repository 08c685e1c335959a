"""Whether this build has OpenMP, and how many threads the runtime offers."""

MAX_THREADS: int

def openmp_enabled() -> bool:
    """True when the extension modules were compiled with OpenMP."""

def max_threads() -> int:
    """The OpenMP runtime's default thread count (1 without OpenMP)."""

def _threads_used(n_threads: int) -> int:
    """How many distinct threads a ``prange`` with ``num_threads=n_threads`` ran on."""
