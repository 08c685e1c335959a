# Declarations of the inline Philox4x32-10 helpers in bigdl_philox.h (no .pyx twin).
from libc.stdint cimport uint32_t, uint64_t, int64_t

cdef extern from "bigdl_philox.h" nogil:
    ctypedef struct bigdl_u32x4:
        uint32_t v[4]
    bigdl_u32x4 bigdl_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                    uint32_t k0, uint32_t k1)
    bigdl_u32x4 bigdl_philox_block(uint64_t block, uint64_t offset, uint64_t key)
    float bigdl_u01_f32(uint32_t u)
    double bigdl_u01_f64(uint32_t hi, uint32_t lo)
    float bigdl_u01_open_f32(uint32_t u)
    double bigdl_u01_open_f64(uint32_t hi, uint32_t lo)
    uint64_t bigdl_threshold(double q)
    void bigdl_uniform_block_f32(float *out, int64_t n, int64_t blk, uint64_t offset,
                                 uint64_t key, float lo, float width)
    void bigdl_uniform_block_f64(double *out, int64_t n, int64_t blk, uint64_t offset,
                                 uint64_t key, double lo, double width)
    void bigdl_normal_block_f32(float *out, int64_t n, int64_t blk, uint64_t offset,
                                uint64_t key, float mean, float std)
    void bigdl_normal_block_f64(double *out, int64_t n, int64_t blk, uint64_t offset,
                                uint64_t key, double mean, double std)
    void bigdl_bernoulli_block_f32(float *out, int64_t n, int64_t blk, uint64_t offset,
                                   uint64_t key, uint64_t thr)
    void bigdl_bernoulli_block_f64(double *out, int64_t n, int64_t blk, uint64_t offset,
                                   uint64_t key, uint64_t thr)
    # element-indexed chunks: out[j] = element start + j; (lo, width) or (mean, std)
    void bigdl_uniform_chunk_f32(float *out, int64_t start, int64_t count, uint64_t offset,
                                 uint64_t key, float lo, float width)
    void bigdl_uniform_chunk_f64(double *out, int64_t start, int64_t count, uint64_t offset,
                                 uint64_t key, double lo, double width)
    void bigdl_normal_chunk_f32(float *out, int64_t start, int64_t count, uint64_t offset,
                                uint64_t key, float mean, float std)
    void bigdl_normal_chunk_f64(double *out, int64_t start, int64_t count, uint64_t offset,
                                uint64_t key, double mean, double std)
