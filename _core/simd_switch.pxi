# Included by each kernel module built on bigdl_simd.h (Philox fills, dropout, noise, the
# direct convolution loops, max pooling): settles the one run-time CPU check at import,
# outside any parallel loop, and gives the module the switch that bigdl_py._testing.set_simd
# sets in every module at once (tests compare the AVX2 and baseline paths, which give the
# same bits).
from simd cimport bigdl_simd_avx2, bigdl_simd_set

bigdl_simd_avx2()


def _set_simd(bint on):
    """Allow (True) or forbid (False) this module's AVX2 paths; returns whether they are used
    now (False on CPUs without AVX2 or with ``BIGDL_NO_AVX2`` set)."""
    return bool(bigdl_simd_set(on))
