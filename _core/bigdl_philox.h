/* Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as
 * 1, 2, 3", SC'11) used statelessly, plus the conversions bigdl_py uses.
 * Counter = (block index lo, block index hi, call offset lo, call offset hi),
 * key = (seed lo, seed hi).  Everything is static and allocation free.
 *
 * Element i of a fill depends only on (key, offset, i), so any split of a fill into
 * chunks or threads gives the same numbers.  Uniform float32 and Bernoulli element i:
 * word i%4 of block i/4.  Uniform float64 element i: words 2(i%2), 2(i%2)+1 of block
 * i/2.  Normal float32: block b gives elements 4b..4b+3 from the word pairs (0, 1) and
 * (2, 3); normal float64: block b gives elements 2b, 2b+1 from one Box-Muller pair.
 *
 * Speed: the chunk fills generate 32 blocks at a time.  On x86-64 CPUs with AVX2 the
 * blocks come from an AVX2 Philox (checked at run time, no -march flag needed) and the
 * conversions are compiled twice from one source, for AVX2 and for the baseline ISA.
 * Both versions use only exactly rounded IEEE operations (+ - * /, int<->float; no FMA,
 * no libm), so they give the same bits; bigdl_simd_set(0) forces the baseline path for
 * the tests that check this.  Normals are Box-Muller with our own branch-free log,
 * sin/cos and sqrt, which gcc vectorises at -O3 (it vectorises libm's sqrtf only under
 * -fno-math-errno, and logf/sinf/cosf not at all). */
#ifndef BIGDL_PHILOX_H
#define BIGDL_PHILOX_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "bigdl_simd.h"   /* BIGDL_X86_AVX2, BIGDL_AVX2_FN, bigdl_simd_avx2() */

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

/* ---- uint32 -> float ------------------------------------------------------------
 * [0, 1) with 24 (float) or 53 (double) random bits, via signed int -> float
 * conversions that vectorise (the double is the exact sum of two exact terms). */
static inline float bigdl_u01_f32(uint32_t u) { return (float)(int32_t)(u >> 8) * 0x1.0p-24f; }
static inline double bigdl_u01_f64(uint32_t hi, uint32_t lo)
{
    return (double)(int32_t)(hi >> 5) * 0x1.0p-27 + (double)(int32_t)(lo >> 6) * 0x1.0p-53;
}
/* (0, 1]: safe to take the log of. */
static inline float bigdl_u01_open_f32(uint32_t u) { return bigdl_u01_f32(u) + 0x1.0p-24f; }
static inline double bigdl_u01_open_f64(uint32_t hi, uint32_t lo)
{
    return bigdl_u01_f64(hi, lo) + 0x1.0p-53;
}

/* Keep threshold for probability q: keep when (uint64)u < bigdl_threshold(q).
 * q = 1 keeps every draw, q = 0 none. */
static inline uint64_t bigdl_threshold(double q)
{
    if (!(q > 0.0)) return 0;
    if (q >= 1.0) return (uint64_t)1 << 32;
    return (uint64_t)ldexp(q, 32);
}

/* ---- standard normals: Box-Muller on two words -----------------------------------
 * z0 = r cos(t), z1 = r sin(t), r = sqrt(-2 ln u), t = 2 pi v.  The angle's quadrant
 * and octant come from the word's integer bits, so the polynomials only see [0, pi/4];
 * the log splits u = 2^e m with m in [sqrt(1/2), sqrt(2)) and uses
 * ln m = 2 atanh(s), s = (m-1)/(m+1).  Series are truncated below float/double
 * rounding on those ranges. */
static inline uint32_t bigdl_f2u(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static inline float bigdl_u2f(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }
static inline uint64_t bigdl_d2u(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static inline double bigdl_u2d(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

/* -2 ln u, u in (0, 1] and not subnormal */
static inline float bigdl_neg2log_f32(float u)
{
    int32_t e = ((int32_t)bigdl_f2u(u) - 0x3f3504f3) >> 23;   /* 0x3f3504f3 = sqrt(1/2) */
    float m = bigdl_u2f(bigdl_f2u(u) - ((uint32_t)e << 23));    /* u / 2^e */
    float f = m - 1.0f, s = f / (2.0f + f), z = s * s;          /* |s| <= 0.172 */
    float lnm = s * (2.0f + z * (2.0f / 3 + z * (2.0f / 5 + z * (2.0f / 7 + z * (2.0f / 9)))));
    return -2.0f * ((float)e * 0.693147180559945309f + lnm);
}
static inline double bigdl_neg2log_f64(double u)
{
    int32_t e = ((int32_t)(uint32_t)(bigdl_d2u(u) >> 32) - 0x3fe6a09e) >> 20;
    double m = bigdl_u2d(bigdl_d2u(u) - ((uint64_t)(int64_t)e << 52));
    double f = m - 1.0, s = f / (2.0 + f), z = s * s;
    double p = 2.0 / 19;
    p = 2.0 / 17 + z * p; p = 2.0 / 15 + z * p; p = 2.0 / 13 + z * p; p = 2.0 / 11 + z * p;
    p = 2.0 / 9 + z * p;  p = 2.0 / 7 + z * p;  p = 2.0 / 5 + z * p;  p = 2.0 / 3 + z * p;
    p = 2.0 + z * p;
    return -2.0 * ((double)e * 0.693147180559945309417 + s * p);
}

/* sqrt(x), x >= 0: a bit-trick seed (3.5% off), Newton steps on 1/sqrt(x) (2 for
 * float: 5e-6; 3 for double: 4e-11), then one Newton step on sqrt(x) itself, which
 * squares the error: within 1 ulp of sqrtf/sqrt.  Plain + - * so loops vectorise. */
static inline float bigdl_sqrt_f32(float x)
{
    float y = bigdl_u2f(0x5f3759dfu - (bigdl_f2u(x) >> 1)), h = 0.5f * x;
    y = y * (1.5f - h * y * y);
    y = y * (1.5f - h * y * y);
    float s = x * y;
    return s + 0.5f * y * (x - s * s);
}
static inline double bigdl_sqrt_f64(double x)
{
    double y = bigdl_u2d(0x5fe6eb50c7b537a9u - (bigdl_d2u(x) >> 1)), h = 0.5 * x;
    y = y * (1.5 - h * y * y);
    y = y * (1.5 - h * y * y);
    y = y * (1.5 - h * y * y);
    double s = x * y;
    return s + 0.5 * y * (x - s * s);
}

/* Place (sin x, cos x), x in [0, pi/4], at theta = q pi/2 + (refl ? pi/2 - x : x):
 * swap the two when exactly one of refl and odd q holds, then set the quadrant's signs.
 * Bit operations rather than branches, so loops over it vectorise. */
static inline void bigdl_place_f32(float sx, float cx, uint32_t q, uint32_t refl,
                                   float *s, float *c)
{
    uint32_t a = bigdl_f2u(sx), b = bigdl_f2u(cx), swap = 0u - ((refl ^ q) & 1u);
    *s = bigdl_u2f(((a & ~swap) | (b & swap)) ^ ((q >> 1) << 31));
    *c = bigdl_u2f(((b & ~swap) | (a & swap)) ^ (((q ^ (q >> 1)) & 1u) << 31));
}
static inline void bigdl_place_f64(double sx, double cx, uint32_t q, uint32_t refl,
                                   double *s, double *c)
{
    uint64_t a = bigdl_d2u(sx), b = bigdl_d2u(cx), swap = 0u - (uint64_t)((refl ^ q) & 1u);
    *s = bigdl_u2d(((a & ~swap) | (b & swap)) ^ ((uint64_t)(q >> 1) << 63));
    *c = bigdl_u2d(((b & ~swap) | (a & swap)) ^ ((uint64_t)((q ^ (q >> 1)) & 1u) << 63));
}

/* sin and cos of 2 pi w/2^32 (24 bits of w used) */
static inline void bigdl_sincos_turn_f32(uint32_t w, float *s, float *c)
{
    uint32_t q = w >> 30, a = (w >> 8) & 0x3fffffu;             /* a/2^22 of quadrant q */
    uint32_t refl = a > 0x200000u, b = refl ? 0x400000u - a : a;  /* b <= 2^21 */
    float x = (float)(int32_t)b * (1.57079632679489662f * 0x1.0p-22f), x2 = x * x;
    float sx = x + x * x2 * (-1.0f / 6 + x2 * (1.0f / 120 + x2 * (-1.0f / 5040
                                                                  + x2 * (1.0f / 362880))));
    float cx = 1.0f + x2 * (-0.5f + x2 * (1.0f / 24 + x2 * (-1.0f / 720 + x2 * (1.0f / 40320
                                                              + x2 * (-1.0f / 3628800)))));
    bigdl_place_f32(sx, cx, q, refl, s, c);
}
/* sin and cos of 2 pi (hi, lo)/2^64 (53 bits used) */
static inline void bigdl_sincos_turn_f64(uint32_t hi, uint32_t lo, double *s, double *c)
{
    uint32_t q = hi >> 30;
    uint64_t a = ((uint64_t)(hi & 0x3fffffffu) << 21) | (lo >> 11);     /* a/2^51 of q */
    uint32_t refl = a > ((uint64_t)1 << 50);
    uint64_t b = refl ? ((uint64_t)1 << 51) - a : a;                   /* b <= 2^50 */
    double x = ((double)(int32_t)(b >> 21) * 0x1.0p21 + (double)(int32_t)(b & 0x1fffffu))
               * (1.57079632679489661923 * 0x1.0p-51), x2 = x * x;
    /* Taylor to x^15 and x^16: the next terms are < 2^-54 on [0, pi/4] */
    double ps = -1.0 / 1307674368000;                       /* -1/15! */
    ps = 1.0 / 6227020800 + x2 * ps; ps = -1.0 / 39916800 + x2 * ps;
    ps = 1.0 / 362880 + x2 * ps;     ps = -1.0 / 5040 + x2 * ps;
    ps = 1.0 / 120 + x2 * ps;        ps = -1.0 / 6 + x2 * ps;
    double pc = 1.0 / 20922789888000;                       /* 1/16! */
    pc = -1.0 / 87178291200 + x2 * pc; pc = 1.0 / 479001600 + x2 * pc;
    pc = -1.0 / 3628800 + x2 * pc;     pc = 1.0 / 40320 + x2 * pc;
    pc = -1.0 / 720 + x2 * pc;         pc = 1.0 / 24 + x2 * pc;
    pc = -0.5 + x2 * pc;
    double sx = x + x * x2 * ps, cx = 1.0 + x2 * pc;
    bigdl_place_f64(sx, cx, q, refl, s, c);
}

/* float: radius from 31 bits of wu (u in (0, 1], so |z| <= 6.66), angle from wa */
static inline void bigdl_gauss_pair_f32(uint32_t wu, uint32_t wa, float *z0, float *z1)
{
    float u = ((float)(int32_t)(wu >> 1) + 0.5f) * 0x1.0p-31f;
    float r = bigdl_sqrt_f32(bigdl_neg2log_f32(u)), s, c;
    bigdl_sincos_turn_f32(wa, &s, &c);
    *z0 = r * c;
    *z1 = r * s;
}
/* double: radius from 53 bits of (u_hi, u_lo) (|z| <= 8.57), angle from (a_hi, a_lo) */
static inline void bigdl_gauss_pair_f64(uint32_t u_hi, uint32_t u_lo, uint32_t a_hi,
                                        uint32_t a_lo, double *z0, double *z1)
{
    double r = bigdl_sqrt_f64(bigdl_neg2log_f64(bigdl_u01_open_f64(u_hi, u_lo))), s, c;
    bigdl_sincos_turn_f64(a_hi, a_lo, &s, &c);
    *z0 = r * c;
    *z1 = r * s;
}

/* ---- block fills: one block, elements [4*blk, 4*blk+4) (float) or [2*blk, 2*blk+2)
 * (double) of an n-element array; the same numbers as the chunk fills below. */
static inline void bigdl_uniform_block_f32(float *out, int64_t n, int64_t blk, uint64_t offset,
                                           uint64_t key, float lo, float width)
{
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);
    int64_t i0 = 4 * blk;
    int m = n - i0 < 4 ? (int)(n - i0) : 4;
    for (int j = 0; j < m; ++j) out[i0 + j] = bigdl_u01_f32(r.v[j]) * width + lo;
}

static inline void bigdl_uniform_block_f64(double *out, int64_t n, int64_t blk, uint64_t offset,
                                           uint64_t key, double lo, double width)
{
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);
    int64_t i0 = 2 * blk;
    out[i0] = bigdl_u01_f64(r.v[0], r.v[1]) * width + lo;
    if (i0 + 1 < n) out[i0 + 1] = bigdl_u01_f64(r.v[2], r.v[3]) * width + lo;
}

static inline void bigdl_normal_block_f32(float *out, int64_t n, int64_t blk, uint64_t offset,
                                          uint64_t key, float mean, float std)
{
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);
    int64_t i0 = 4 * blk;
    float z[4];
    bigdl_gauss_pair_f32(r.v[0], r.v[1], &z[0], &z[1]);
    bigdl_gauss_pair_f32(r.v[2], r.v[3], &z[2], &z[3]);
    int m = n - i0 < 4 ? (int)(n - i0) : 4;
    for (int j = 0; j < m; ++j) out[i0 + j] = z[j] * std + mean;
}

static inline void bigdl_normal_block_f64(double *out, int64_t n, int64_t blk, uint64_t offset,
                                          uint64_t key, double mean, double std)
{
    bigdl_u32x4 r = bigdl_philox_block((uint64_t)blk, offset, key);
    int64_t i0 = 2 * blk;
    double z0, z1;
    bigdl_gauss_pair_f64(r.v[0], r.v[1], r.v[2], r.v[3], &z0, &z1);
    out[i0] = z0 * std + mean;
    if (i0 + 1 < n) out[i0 + 1] = z1 * std + mean;
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


/* ---- BIGDL_BATCH blocks at a time ------------------------------------------------- */
#ifndef BIGDL_BATCH
#define BIGDL_BATCH 32   /* a multiple of 8; 4 groups in flight hide vpmuludq's latency */
#endif

#if BIGDL_X86_AVX2
/* hi and lo 32 bits of a[j] * m for the 8 lanes (vpmulld for lo: fewer ops than
 * shifting and blending the 64-bit products) */
BIGDL_AVX2_FN static BIGDL_ALWAYS_INLINE void bigdl_mulhilo8(__m256i a, __m256i m,
                                                             __m256i *hi, __m256i *lo)
{
    __m256i even = _mm256_mul_epu32(a, m);
    __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    *lo = _mm256_mullo_epi32(a, m);
}

/* w[4j + k] = word k of block blk + j, j < BIGDL_BATCH.  Groups of 8 blocks, one block per
 * lane; the lanes hold blocks 0 2 4 6 | 1 3 5 7 so that the 4x4 transposes within each
 * 128-bit half store the blocks in order. */
BIGDL_AVX2_FN static void bigdl_philox_batch_avx2(uint32_t *w, uint64_t blk, uint64_t offset,
                                                 uint64_t key)
{
    const __m256i sign = _mm256_set1_epi32((int)0x80000000u);
    const __m256i m0 = _mm256_set1_epi32((int)0xD2511F53u), m1 = _mm256_set1_epi32((int)0xCD9E8D57u);
    __m256i c0[BIGDL_BATCH / 8], c1[BIGDL_BATCH / 8], c2[BIGDL_BATCH / 8], c3[BIGDL_BATCH / 8];
    __m256i hi0, lo0, hi1, lo1, base_lo = _mm256_set1_epi32((int)(uint32_t)blk);
    for (int g = 0; g < BIGDL_BATCH / 8; ++g) {
        __m256i lane = _mm256_setr_epi32(8 * g, 8 * g + 2, 8 * g + 4, 8 * g + 6,
                                         8 * g + 1, 8 * g + 3, 8 * g + 5, 8 * g + 7);
        c0[g] = _mm256_add_epi32(base_lo, lane);
        /* carry into the high word where the low word wrapped (unsigned c0 < blk_lo) */
        __m256i carry = _mm256_cmpgt_epi32(_mm256_xor_si256(base_lo, sign),
                                           _mm256_xor_si256(c0[g], sign));
        c1[g] = _mm256_sub_epi32(_mm256_set1_epi32((int)(uint32_t)(blk >> 32)), carry);
        c2[g] = _mm256_set1_epi32((int)(uint32_t)offset);
        c3[g] = _mm256_set1_epi32((int)(uint32_t)(offset >> 32));
    }
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int round = 0; round < 10; ++round) {
        __m256i kk0 = _mm256_set1_epi32((int)k0), kk1 = _mm256_set1_epi32((int)k1);
        for (int g = 0; g < BIGDL_BATCH / 8; ++g) {
            bigdl_mulhilo8(c0[g], m0, &hi0, &lo0);
            bigdl_mulhilo8(c2[g], m1, &hi1, &lo1);
            c0[g] = _mm256_xor_si256(_mm256_xor_si256(hi1, c1[g]), kk0);
            c2[g] = _mm256_xor_si256(_mm256_xor_si256(hi0, c3[g]), kk1);
            c1[g] = lo1;
            c3[g] = lo0;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (int g = 0; g < BIGDL_BATCH / 8; ++g) {
        __m256i t0 = _mm256_unpacklo_epi32(c0[g], c1[g]), t1 = _mm256_unpackhi_epi32(c0[g], c1[g]);
        __m256i t2 = _mm256_unpacklo_epi32(c2[g], c3[g]), t3 = _mm256_unpackhi_epi32(c2[g], c3[g]);
        __m256i *o = (__m256i *)(w + 32 * g);
        _mm256_storeu_si256(o, _mm256_unpacklo_epi64(t0, t2));       /* blocks 0, 1 */
        _mm256_storeu_si256(o + 1, _mm256_unpackhi_epi64(t0, t2));   /* blocks 2, 3 */
        _mm256_storeu_si256(o + 2, _mm256_unpacklo_epi64(t1, t3));   /* blocks 4, 5 */
        _mm256_storeu_si256(o + 3, _mm256_unpackhi_epi64(t1, t3));   /* blocks 6, 7 */
    }
}
#endif

/* w[4j + k] = word k of block blk + j, j < nb <= BIGDL_BATCH (w has room for a batch).
 * A whole AVX2 batch costs about as much as 5 blocks one by one. */
static inline void bigdl_philox_words(uint32_t *w, uint64_t blk, int nb, uint64_t offset,
                                      uint64_t key)
{
#if BIGDL_X86_AVX2
    if (nb > 4 && bigdl_simd_avx2()) {
        bigdl_philox_batch_avx2(w, blk, offset, key);
        return;
    }
#endif
    for (int j = 0; j < nb; ++j) {
        bigdl_u32x4 r = bigdl_philox_block(blk + (uint64_t)j, offset, key);
        memcpy(w + 4 * j, r.v, sizeof r.v);
    }
}

/* ---- chunk fills by element index: out[j] is element (start + j) of the stream ----
 * Any split of [0, n) into chunks gives the same numbers, so callers can generate into
 * a small thread-private buffer inside a parallel loop.  Each pass takes the elements
 * [i, i + m) from nb <= BIGDL_BATCH blocks starting at block blk (element i is at
 * position j0 of those blocks' elements); PER is elements per block.  Only the first
 * pass can start inside a block, so a long chunk is almost all whole batches. */
#define BIGDL_CHUNK_LOOP(T, PER, BODY)                                                   \
    do {                                                                                 \
        uint32_t w[4 * BIGDL_BATCH];                                                     \
        int64_t i = start, end = start + count;                                          \
        while (i < end) {                                                                \
            int64_t blk = i / (PER), j0 = i - blk * (PER), m = end - i;                  \
            if (m > (PER) * BIGDL_BATCH - j0) m = (PER) * BIGDL_BATCH - j0;              \
            int nb = (int)((j0 + m + (PER) - 1) / (PER));                                \
            T *o = out + (i - start);                                                    \
            bigdl_philox_words(w, (uint64_t)blk, nb, offset, key);                       \
            BODY                                                                         \
            i += m;                                                                      \
        }                                                                                \
    } while (0)

/* Each chunk fill is compiled for AVX2 and for the baseline from one always-inline body
 * NAME_body and picked at run time. */
#if BIGDL_X86_AVX2
#define BIGDL_DISPATCH(NAME, PARAMS, ARGS)                                               \
    static void NAME##_base PARAMS { NAME##_body ARGS; }                                 \
    BIGDL_AVX2_FN static void NAME##_avx2 PARAMS { NAME##_body ARGS; }                   \
    static inline void NAME PARAMS                                                       \
    {                                                                                    \
        if (bigdl_simd_avx2()) NAME##_avx2 ARGS; else NAME##_base ARGS;                  \
    }
#else
#define BIGDL_DISPATCH(NAME, PARAMS, ARGS)                                               \
    static inline void NAME PARAMS { NAME##_body ARGS; }
#endif

#define BIGDL_CHUNK_PARAMS(T, ...) \
    (T *out, int64_t start, int64_t count, uint64_t offset, uint64_t key, __VA_ARGS__)
#define BIGDL_CHUNK_ARGS(...) (out, start, count, offset, key, __VA_ARGS__)

/* raw words: out[j] = word (start+j)%4 of block (start+j)/4 */
static BIGDL_ALWAYS_INLINE void bigdl_words_chunk_body(uint32_t *out, int64_t start,
                                                       int64_t count, uint64_t offset,
                                                       uint64_t key)
{
    BIGDL_CHUNK_LOOP(uint32_t, 4, memcpy(o, w + j0, (size_t)m * sizeof(uint32_t)););
}

/* U[lo, lo + width) */
static BIGDL_ALWAYS_INLINE void bigdl_uniform_chunk_f32_body
    BIGDL_CHUNK_PARAMS(float, float lo, float width)
{
    BIGDL_CHUNK_LOOP(float, 4, for (int64_t j = 0; j < m; ++j)
                                   o[j] = bigdl_u01_f32(w[j0 + j]) * width + lo;);
}
static BIGDL_ALWAYS_INLINE void bigdl_uniform_chunk_f64_body
    BIGDL_CHUNK_PARAMS(double, double lo, double width)
{
    BIGDL_CHUNK_LOOP(double, 2, for (int64_t j = 0; j < m; ++j)
                                    o[j] = bigdl_u01_f64(w[2 * (j0 + j)], w[2 * (j0 + j) + 1])
                                           * width + lo;);
}

/* N(mean, std^2): the pairs of the whole pass, then the requested part */
static BIGDL_ALWAYS_INLINE void bigdl_normal_chunk_f32_body
    BIGDL_CHUNK_PARAMS(float, float mean, float std)
{
    float z[4 * BIGDL_BATCH];
    BIGDL_CHUNK_LOOP(float, 4,
        for (int p = 0; p < 2 * nb; ++p)
            bigdl_gauss_pair_f32(w[2 * p], w[2 * p + 1], &z[2 * p], &z[2 * p + 1]);
        for (int64_t j = 0; j < m; ++j) o[j] = z[j0 + j] * std + mean;);
}
static BIGDL_ALWAYS_INLINE void bigdl_normal_chunk_f64_body
    BIGDL_CHUNK_PARAMS(double, double mean, double std)
{
    double z[2 * BIGDL_BATCH];
    BIGDL_CHUNK_LOOP(double, 2,
        for (int p = 0; p < nb; ++p)
            bigdl_gauss_pair_f64(w[4 * p], w[4 * p + 1], w[4 * p + 2], w[4 * p + 3],
                                 &z[2 * p], &z[2 * p + 1]);
        for (int64_t j = 0; j < m; ++j) o[j] = z[j0 + j] * std + mean;);
}

/* Bernoulli(q) as 0/1: 1 where (uint64)word < thr, thr = bigdl_threshold(q) <= 2^32 */
#define BIGDL_BERNOULLI_CHUNK_BODY(NAME, T)                                              \
static BIGDL_ALWAYS_INLINE void NAME BIGDL_CHUNK_PARAMS(T, uint64_t thr)                 \
{                                                                                        \
    uint32_t t32 = (uint32_t)thr, all = thr >> 32 ? 1u : 0u;                             \
    BIGDL_CHUNK_LOOP(T, 4, for (int64_t j = 0; j < m; ++j)                               \
                               o[j] = (T)((w[j0 + j] < t32) | all););                    \
}
BIGDL_BERNOULLI_CHUNK_BODY(bigdl_bernoulli_chunk_f32_body, float)
BIGDL_BERNOULLI_CHUNK_BODY(bigdl_bernoulli_chunk_f64_body, double)

BIGDL_DISPATCH(bigdl_words_chunk, (uint32_t *out, int64_t start, int64_t count,
                                   uint64_t offset, uint64_t key),
               (out, start, count, offset, key))
BIGDL_DISPATCH(bigdl_uniform_chunk_f32, BIGDL_CHUNK_PARAMS(float, float lo, float width),
               BIGDL_CHUNK_ARGS(lo, width))
BIGDL_DISPATCH(bigdl_uniform_chunk_f64, BIGDL_CHUNK_PARAMS(double, double lo, double width),
               BIGDL_CHUNK_ARGS(lo, width))
BIGDL_DISPATCH(bigdl_normal_chunk_f32, BIGDL_CHUNK_PARAMS(float, float mean, float std),
               BIGDL_CHUNK_ARGS(mean, std))
BIGDL_DISPATCH(bigdl_normal_chunk_f64, BIGDL_CHUNK_PARAMS(double, double mean, double std),
               BIGDL_CHUNK_ARGS(mean, std))
BIGDL_DISPATCH(bigdl_bernoulli_chunk_f32, BIGDL_CHUNK_PARAMS(float, uint64_t thr),
               BIGDL_CHUNK_ARGS(thr))
BIGDL_DISPATCH(bigdl_bernoulli_chunk_f64, BIGDL_CHUNK_PARAMS(double, uint64_t thr),
               BIGDL_CHUNK_ARGS(thr))

/* ---- the three fills by kind: 0 U[a, a + b), 1 N(a, b^2), 2 Bernoulli (1 where word < thr)
 * bigdl_fill_chunk_*(kind, out, start, count, ...): the fast path, elements
 * [start, start + count) into out[0:count]; bigdl_fill_block_*(kind, out, n, blk, ...): one
 * block of an n-element array by the one-block functions above (the plain definition the
 * tests compare the chunks with). */
#define BIGDL_FILL_BY_KIND(WHAT, SUF, T, P, Q)                                           \
static inline void bigdl_fill_##WHAT##_##SUF(int kind, T *out, int64_t P, int64_t Q,    \
                                             uint64_t offset, uint64_t key, T a, T b,    \
                                             uint64_t thr)                               \
{                                                                                        \
    if (kind == 0) bigdl_uniform_##WHAT##_##SUF(out, P, Q, offset, key, a, b);           \
    else if (kind == 1) bigdl_normal_##WHAT##_##SUF(out, P, Q, offset, key, a, b);       \
    else bigdl_bernoulli_##WHAT##_##SUF(out, P, Q, offset, key, thr);                    \
}
BIGDL_FILL_BY_KIND(chunk, f32, float, start, count)
BIGDL_FILL_BY_KIND(chunk, f64, double, start, count)
BIGDL_FILL_BY_KIND(block, f32, float, n, blk)
BIGDL_FILL_BY_KIND(block, f64, double, n, blk)

#endif
