/* Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as
 * 1, 2, 3", SC'11) used statelessly, plus the uint32 -> float conversions bigdl_py
 * uses.  Counter = (block index lo, block index hi, call offset lo, call offset hi),
 * key = (seed lo, seed hi).  Everything is static inline and allocation free. */
#ifndef BIGDL_PHILOX_H
#define BIGDL_PHILOX_H
#include <stdint.h>
#include <math.h>

typedef struct { uint32_t v[4]; } bigdl_u32x4;

static inline bigdl_u32x4 bigdl_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2,
                                               uint32_t c3, uint32_t k0, uint32_t k1)
{
    bigdl_u32x4 r;
    for (int round = 0; round < 10; ++round) {
        if (round) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        uint64_t p0 = (uint64_t)0xD2511F53u * c0;
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1;
        c3 = (uint32_t)p0;
        c0 = n0;
        c2 = n2;
    }
    r.v[0] = c0; r.v[1] = c1; r.v[2] = c2; r.v[3] = c3;
    return r;
}

/* The block at 64-bit index `block` of the stream (key, offset). */
static inline bigdl_u32x4 bigdl_philox_block(uint64_t block, uint64_t offset, uint64_t key)
{
    return bigdl_philox4x32_10((uint32_t)block, (uint32_t)(block >> 32),
                               (uint32_t)offset, (uint32_t)(offset >> 32),
                               (uint32_t)key, (uint32_t)(key >> 32));
}

/* [0, 1) with 24 (float) or 53 (double) random bits. */
static inline float bigdl_u01_f32(uint32_t u) { return (float)(u >> 8) * 0x1.0p-24f; }
static inline double bigdl_u01_f64(uint32_t hi, uint32_t lo)
{
    return (double)(((uint64_t)(hi >> 5) << 26) | (lo >> 6)) * 0x1.0p-53;
}
/* (0, 1]: safe to take the log of. */
static inline float bigdl_u01_open_f32(uint32_t u) { return ((float)(u >> 8) + 1.0f) * 0x1.0p-24f; }
static inline double bigdl_u01_open_f64(uint32_t hi, uint32_t lo)
{
    return ((double)(((uint64_t)(hi >> 5) << 26) | (lo >> 6)) + 1.0) * 0x1.0p-53;
}

/* Keep threshold for probability q: keep when (uint64)u < bigdl_threshold(q).
 * q = 1 keeps every draw, q = 0 none. */
static inline uint64_t bigdl_threshold(double q)
{
    if (!(q > 0.0)) return 0;
    if (q >= 1.0) return (uint64_t)1 << 32;
    return (uint64_t)ldexp(q, 32);
}

/* ---- block fills: elements [4*blk, 4*blk+4) of an n-element float array ---- */
static inline void bigdl_uniform_block_f32(float *out, int64_t n, int64_t blk, uint64_t offset,
                                           uint64_t key, float lo, float width)
{
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);
    int64_t i0 = 4 * blk;
    int m = n - i0 < 4 ? (int)(n - i0) : 4;
    for (int j = 0; j < m; ++j) out[i0 + j] = bigdl_u01_f32(r.v[j]) * width + lo;
}

/* doubles use two words each: elements [2*blk, 2*blk+2) */
static inline void bigdl_uniform_block_f64(double *out, int64_t n, int64_t blk, uint64_t offset,
                                           uint64_t key, double lo, double width)
{
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);
    int64_t i0 = 2 * blk;
    out[i0] = bigdl_u01_f64(r.v[0], r.v[1]) * width + lo;
    if (i0 + 1 < n) out[i0 + 1] = bigdl_u01_f64(r.v[2], r.v[3]) * width + lo;
}

/* Box-Muller on the four words of one block: elements [4*blk, 4*blk+4). */
static inline void bigdl_normal_block_f32(float *out, int64_t n, int64_t blk, uint64_t offset,
                                          uint64_t key, float mean, float std)
{
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);
    int64_t i0 = 4 * blk;
    float z[4];
    for (int p = 0; p < 2; ++p) {
        float rho = sqrtf(-2.0f * logf(bigdl_u01_open_f32(r.v[2 * p])));
        float th = 6.2831853071795864769f * bigdl_u01_f32(r.v[2 * p + 1]);
        z[2 * p] = rho * cosf(th);
        z[2 * p + 1] = rho * sinf(th);
    }
    int m = n - i0 < 4 ? (int)(n - i0) : 4;
    for (int j = 0; j < m; ++j) out[i0 + j] = z[j] * std + mean;
}

/* elements [2*blk, 2*blk+2) */
static inline void bigdl_normal_block_f64(double *out, int64_t n, int64_t blk, uint64_t offset,
                                          uint64_t key, double mean, double std)
{
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);
    int64_t i0 = 2 * blk;
    double rho = sqrt(-2.0 * log(bigdl_u01_open_f64(r.v[0], r.v[1])));
    double th = 6.283185307179586477 * bigdl_u01_f64(r.v[2], r.v[3]);
    out[i0] = rho * cos(th) * std + mean;
    if (i0 + 1 < n) out[i0 + 1] = rho * sin(th) * std + mean;
}

/* Bernoulli(q) as 0/1 floats: elements [4*blk, 4*blk+4) */
#define BIGDL_BERNOULLI_BLOCK(NAME, T)                                                   \
static inline void NAME(T *out, int64_t n, int64_t blk, uint64_t offset, uint64_t key,   \
                        uint64_t thr)                                                    \
{                                                                                        \
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);                      \
    int64_t i0 = 4 * blk;                                                                \
    int m = n - i0 < 4 ? (int)(n - i0) : 4;                                              \
    for (int j = 0; j < m; ++j) out[i0 + j] = (T)((uint64_t)r.v[j] < thr);               \
}
BIGDL_BERNOULLI_BLOCK(bigdl_bernoulli_block_f32, float)
BIGDL_BERNOULLI_BLOCK(bigdl_bernoulli_block_f64, double)


/* ---- chunk fills by element index: out[j] is element (start + j) of the stream ----
 * Any split of [0, n) into chunks gives the same numbers, so callers can generate into
 * a small thread-private buffer inside a parallel loop. */
#define BIGDL_CHUNK(NAME, T, PER, BLOCKFN, ...)                                          \
static inline void NAME(T *out, int64_t start, int64_t count, uint64_t offset,           \
                        uint64_t key, __VA_ARGS__)                                       \
{                                                                                        \
    T tmp[PER];                                                                          \
    int64_t i = start, end = start + count;                                              \
    while (i < end) {                                                                    \
        int64_t blk = i / PER, base = blk * PER;                                         \
        BLOCKFN(tmp - base, base + PER, blk, offset, key, a0, a1);                       \
        for (; i < end && i < base + PER; ++i) out[i - start] = tmp[i - base];           \
    }                                                                                    \
}
BIGDL_CHUNK(bigdl_uniform_chunk_f32, float, 4, bigdl_uniform_block_f32, float a0, float a1)
BIGDL_CHUNK(bigdl_uniform_chunk_f64, double, 2, bigdl_uniform_block_f64, double a0, double a1)
BIGDL_CHUNK(bigdl_normal_chunk_f32, float, 4, bigdl_normal_block_f32, float a0, float a1)
BIGDL_CHUNK(bigdl_normal_chunk_f64, double, 2, bigdl_normal_block_f64, double a0, double a1)

#endif
