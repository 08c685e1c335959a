# Declarations of bigdl_simd.h: the one run-time SIMD decision of the kernel headers.
cdef extern from "bigdl_simd.h" nogil:
    # 1: the AVX2 code runs (CPU has AVX2, BIGDL_NO_AVX2 unset); bigdl_simd_set(0) forces
    # the baseline code (tests only; both give the same bits)
    int bigdl_simd_avx2()
    int bigdl_simd_set(int on)
