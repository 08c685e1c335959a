# Declarations of the inline Philox4x32-10 helpers in bigdl_philox.h (no .pyx twin).
# Element i of a fill depends only on (key, offset, i): float32 element i comes from
# block i // 4, float64 element i from block i // 2.
from libc.stdint cimport uint32_t, uint64_t, int64_t

cdef extern from "bigdl_philox.h" nogil:
    ctypedef struct bigdl_u32x4:
        uint32_t v[4]
    bigdl_u32x4 bigdl_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                    uint32_t k0, uint32_t k1)
    uint64_t bigdl_threshold(double q)
    # standard normal pairs (z0, z1) from 2 words (float) or 4 words (double)
    void bigdl_gauss_pair_f32(uint32_t wu, uint32_t wa, float *z0, float *z1)
    void bigdl_gauss_pair_f64(uint32_t u_hi, uint32_t u_lo, uint32_t a_hi, uint32_t a_lo,
                              double *z0, double *z1)
    # element-indexed chunks (the fast path; AVX2 when the CPU has it):
    # out[j] = element start + j, for j < count
    void bigdl_words_chunk(uint32_t *out, int64_t start, int64_t count, uint64_t offset,
                           uint64_t key)
    void bigdl_normal_chunk_f32(float *out, int64_t start, int64_t count, uint64_t offset,
                                uint64_t key, float mean, float std)
    void bigdl_normal_chunk_f64(double *out, int64_t start, int64_t count, uint64_t offset,
                                uint64_t key, double mean, double std)
    # the three fills by kind: 0 U[a, a + b), 1 N(a, b**2), 2 Bernoulli (word < thr); a
    # chunk as above, or block blk of an n-element out (the one-block functions: tests)
    void bigdl_fill_chunk_f32(int kind, float *out, int64_t start, int64_t count,
                              uint64_t offset, uint64_t key, float a, float b, uint64_t thr)
    void bigdl_fill_chunk_f64(int kind, double *out, int64_t start, int64_t count,
                              uint64_t offset, uint64_t key, double a, double b, uint64_t thr)
    void bigdl_fill_block_f32(int kind, float *out, int64_t n, int64_t blk, uint64_t offset,
                              uint64_t key, float a, float b, uint64_t thr)
    void bigdl_fill_block_f64(int kind, double *out, int64_t n, int64_t blk, uint64_t offset,
                              uint64_t key, double a, double b, uint64_t thr)
