/* Fused dropout kernels over the stateless Philox stream of bigdl_philox.h.
 *
 * Element (or mask entry) i draws word i%4 of block i/4 and is kept when that word is
 * <= tmax (tmax = bigdl_threshold(1-p) - 1, an integer compare: no float conversion).
 * Keep decisions are packed 64 to a uint64 word: bit i%64 of word i/64.
 * Dropped elements are written as +0.0 whatever the input (select, never multiply).
 *
 * Every function here processes one "unit" of work (a 64-aligned element range or a
 * range of rows) so a parallel loop over units gives the same bits for any thread count.
 * The AVX2 paths (chosen at run time) and the portable paths give identical results:
 * the Philox words are integers and the float ops (x / s, x * s) are single IEEE ops. */
#ifndef BIGDL_DROPOUT_H
#define BIGDL_DROPOUT_H
#include <stdint.h>
#include <string.h>
#include "bigdl_philox.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define BDR_X86 1
#include <immintrin.h>
#define BDR_AVX2 __attribute__((target("avx2")))
#else
#define BDR_X86 0
#endif

#if BDR_X86
#define BDR_IF_X86(call) call
#else
#define BDR_IF_X86(call) ((void)0)
#endif

enum { BDR_SELECT = 0, BDR_DIV = 1, BDR_MUL = 2 };  /* kept value: x, x / s, x * s */
#define BDR_MAXG 64                                  /* numpy arrays have <= 64 axes */

/* ---- run-time dispatch -------------------------------------------------------------- */
static int bdr_avx2_supported(void)
{
#if BDR_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

/* ---- portable paths ------------------------------------------------------------------ */
#define BDR_OP(T, v, s, mode) ((mode) == BDR_DIV ? (v) / (s) : (mode) == BDR_MUL ? (v) * (s) : (v))

/* Elements [i0, i1) (i0 a multiple of 64): keep bits and, when x != NULL, the output. */
#define BDR_FWD_SCALAR(NAME, T)                                                            \
static void NAME(const T *x, T *out, uint64_t *bits, int64_t i0, int64_t i1, uint32_t tmax,\
                 T s, int mode, uint64_t offset, uint64_t key)                             \
{                                                                                          \
    for (int64_t t = i0; t < i1; t += 64) {                                                \
        int64_t e = i1 - t < 64 ? i1 : t + 64;                                             \
        uint64_t b = 0;                                                                    \
        for (int64_t i = t; i < e; i += 4) {                                               \
            bigdl_u32x4 r = bigdl_philox_block((uint64_t)(i >> 2), offset, key);           \
            for (int j = 0; j < 4 && i + j < e; ++j) {                                     \
                int keep = r.v[j] <= tmax;                                                 \
                b |= (uint64_t)keep << (i + j - t);                                        \
                if (x) out[i + j] = keep ? BDR_OP(T, x[i + j], s, mode) : (T)0;            \
            }                                                                              \
        }                                                                                  \
        bits[t >> 6] = b;                                                                  \
    }                                                                                      \
}
BDR_FWD_SCALAR(bdr_fwd_scalar_f32, float)
BDR_FWD_SCALAR(bdr_fwd_scalar_f64, double)

static inline int bdr_bit(const uint64_t *bits, int64_t i)
{
    return (int)((bits[i >> 6] >> (i & 63)) & 1);
}

/* out[j] = keep(bit base + j) ? op(x[j]) : 0 for j in [j0, j1) */
#define BDR_RUN_SCALAR(NAME, T)                                                            \
static void NAME(const T *x, T *out, const uint64_t *bits, int64_t base, int64_t j0,       \
                 int64_t j1, T s, int mode)                                                \
{                                                                                          \
    for (int64_t j = j0; j < j1; ++j)                                                      \
        out[j] = bdr_bit(bits, base + j) ? BDR_OP(T, x[j], s, mode) : (T)0;                \
}
BDR_RUN_SCALAR(bdr_run_scalar_f32, float)
BDR_RUN_SCALAR(bdr_run_scalar_f64, double)

/* a whole run shares one keep decision: a (scaled) copy or zeros; gcc vectorises these */
#define BDR_FILL(NAME, T)                                                                  \
static void NAME(const T *x, T *out, int keep, int64_t j0, int64_t j1, T s, int mode)      \
{                                                                                          \
    int64_t j;                                                                             \
    if (!keep) { memset(out + j0, 0, (size_t)(j1 - j0) * sizeof(T)); return; }            \
    if (mode == BDR_DIV)      for (j = j0; j < j1; ++j) out[j] = x[j] / s;                 \
    else if (mode == BDR_MUL) for (j = j0; j < j1; ++j) out[j] = x[j] * s;                 \
    else if (out != x)        memmove(out + j0, x + j0, (size_t)(j1 - j0) * sizeof(T));   \
}
BDR_FILL(bdr_fill_f32, float)
BDR_FILL(bdr_fill_f64, double)

/* ---- AVX2 paths --------------------------------------------------------------------- */
#if BDR_X86
/* Blocks blk0 .. blk0+8*S-1 of the stream, computed as S interleaved sets of 8 blocks
 * (which hides the multiply latency); w[4*h + q] holds elements 32h + 8q .. 32h + 8q + 7. */
#define BDR_PHILOX_SETS(NAME, S)                                                           \
BDR_AVX2 static inline void NAME(__m256i w[4 * S], uint64_t blk0, uint64_t offset,        \
                                 uint64_t key)                                             \
{                                                                                          \
    const __m256i sign = _mm256_set1_epi32((int)0x80000000u);                              \
    const __m256i m0 = _mm256_set1_epi32((int)0xD2511F53u);                                \
    const __m256i m1 = _mm256_set1_epi32((int)0xCD9E8D57u);                                \
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);                        \
    __m256i c0[S], c1[S], c2[S], c3[S];                                                    \
    for (int h = 0; h < S; ++h) {                                                          \
        uint64_t b = blk0 + 8 * (uint64_t)h;                                               \
        __m256i lo = _mm256_set1_epi32((int)(uint32_t)b);                                  \
        c0[h] = _mm256_add_epi32(lo, lane);                                                \
        __m256i wrap = _mm256_cmpgt_epi32(_mm256_xor_si256(lo, sign),                      \
                                          _mm256_xor_si256(c0[h], sign));                  \
        c1[h] = _mm256_sub_epi32(_mm256_set1_epi32((int)(uint32_t)(b >> 32)), wrap);       \
        c2[h] = _mm256_set1_epi32((int)(uint32_t)offset);                                  \
        c3[h] = _mm256_set1_epi32((int)(uint32_t)(offset >> 32));                          \
    }                                                                                      \
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);                               \
    for (int r = 0; r < 10; ++r) {                                                         \
        const __m256i kv0 = _mm256_set1_epi32((int)k0), kv1 = _mm256_set1_epi32((int)k1);  \
        for (int h = 0; h < S; ++h) {                                                      \
            /* hi/lo halves of the 32x32->64 products c0*M0 and c2*M1 */                   \
            __m256i po0 = _mm256_mul_epu32(_mm256_srli_epi64(c0[h], 32), m0);              \
            __m256i po1 = _mm256_mul_epu32(_mm256_srli_epi64(c2[h], 32), m1);              \
            __m256i hi0 = _mm256_blend_epi32(                                              \
                _mm256_srli_epi64(_mm256_mul_epu32(c0[h], m0), 32), po0, 0xAA);            \
            __m256i hi1 = _mm256_blend_epi32(                                              \
                _mm256_srli_epi64(_mm256_mul_epu32(c2[h], m1), 32), po1, 0xAA);            \
            __m256i lo0 = _mm256_mullo_epi32(c0[h], m0);                                   \
            __m256i lo1 = _mm256_mullo_epi32(c2[h], m1);                                   \
            c0[h] = _mm256_xor_si256(_mm256_xor_si256(hi1, c1[h]), kv0);                   \
            c2[h] = _mm256_xor_si256(_mm256_xor_si256(hi0, c3[h]), kv1);                   \
            c1[h] = lo1;                                                                   \
            c3[h] = lo0;                                                                   \
        }                                                                                  \
        k0 += 0x9E3779B9u;                                                                 \
        k1 += 0xBB67AE85u;                                                                 \
    }                                                                                      \
    /* lane l of c_j is word j of block l: transpose to element order */                   \
    for (int h = 0; h < S; ++h) {                                                          \
        __m256i t0 = _mm256_unpacklo_epi32(c0[h], c1[h]);                                  \
        __m256i t1 = _mm256_unpacklo_epi32(c2[h], c3[h]);                                  \
        __m256i t2 = _mm256_unpackhi_epi32(c0[h], c1[h]);                                  \
        __m256i t3 = _mm256_unpackhi_epi32(c2[h], c3[h]);                                  \
        __m256i u0 = _mm256_unpacklo_epi64(t0, t1), u1 = _mm256_unpackhi_epi64(t0, t1);    \
        __m256i u2 = _mm256_unpacklo_epi64(t2, t3), u3 = _mm256_unpackhi_epi64(t2, t3);    \
        w[4 * h + 0] = _mm256_permute2x128_si256(u0, u1, 0x20);                            \
        w[4 * h + 1] = _mm256_permute2x128_si256(u2, u3, 0x20);                            \
        w[4 * h + 2] = _mm256_permute2x128_si256(u0, u1, 0x31);                            \
        w[4 * h + 3] = _mm256_permute2x128_si256(u2, u3, 0x31);                            \
    }                                                                                      \
}
BDR_PHILOX_SETS(bdr_philox64, 2)   /* one 64-element tile */
BDR_PHILOX_SETS(bdr_philox128, 4)  /* two tiles */

/* all-ones lanes where word <= tmax */
BDR_AVX2 static inline __m256i bdr_keep8(__m256i w, __m256i tmax)
{
    return _mm256_cmpeq_epi32(_mm256_min_epu32(w, tmax), w);
}

BDR_AVX2 static inline __m256 bdr_op8(__m256 v, __m256 s, int mode)
{
    return mode == BDR_DIV ? _mm256_div_ps(v, s) : mode == BDR_MUL ? _mm256_mul_ps(v, s) : v;
}

BDR_AVX2 static inline __m256d bdr_op4(__m256d v, __m256d s, int mode)
{
    return mode == BDR_DIV ? _mm256_div_pd(v, s) : mode == BDR_MUL ? _mm256_mul_pd(v, s) : v;
}

/* Stores of 8 floats / 4 doubles; nt: streaming (non-temporal) stores, which skip the
 * read-for-ownership of the destination (p must then be 16-byte aligned). */
BDR_AVX2 static inline void bdr_st8(float *p, __m256 v, int nt)
{
    if (nt) {
        _mm_stream_ps(p, _mm256_castps256_ps128(v));
        _mm_stream_ps(p + 4, _mm256_extractf128_ps(v, 1));
    } else {
        _mm256_storeu_ps(p, v);
    }
}

BDR_AVX2 static inline void bdr_st4(double *p, __m256d v, int nt)
{
    if (nt) {
        _mm_stream_pd(p, _mm256_castpd256_pd128(v));
        _mm_stream_pd(p + 2, _mm256_extractf128_pd(v, 1));
    } else {
        _mm256_storeu_pd(p, v);
    }
}

/* One 64-element tile t from its 8 word vectors: the keep bits, and (x != NULL) outputs. */
BDR_AVX2 static inline uint64_t bdr_tile_f32(const float *x, float *out, int64_t t,
                                             const __m256i *w, __m256i tm, __m256 sv, int mode,
                                             int nt)
{
    uint64_t b = 0;
    for (int q = 0; q < 8; ++q) {
        __m256 k = _mm256_castsi256_ps(bdr_keep8(w[q], tm));
        b |= (uint64_t)(unsigned)_mm256_movemask_ps(k) << (8 * q);
        if (x) {
            int64_t i = 64 * t + 8 * q;
            bdr_st8(out + i, _mm256_and_ps(k, bdr_op8(_mm256_loadu_ps(x + i), sv, mode)), nt);
        }
    }
    return b;
}

BDR_AVX2 static inline uint64_t bdr_tile_f64(const double *x, double *out, int64_t t,
                                             const __m256i *w, __m256i tm, __m256d sv, int mode,
                                             int nt)
{
    uint64_t b = 0;
    for (int q = 0; q < 8; ++q) {
        __m256i k = bdr_keep8(w[q], tm);
        b |= (uint64_t)(unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(k)) << (8 * q);
        if (x) {
            int64_t i = 64 * t + 8 * q;
            __m256i klo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(k));
            __m256i khi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(k, 1));
            __m256d y0 = bdr_op4(_mm256_loadu_pd(x + i), sv, mode);
            __m256d y1 = bdr_op4(_mm256_loadu_pd(x + i + 4), sv, mode);
            bdr_st4(out + i, _mm256_and_pd(_mm256_castsi256_pd(klo), y0), nt);
            bdr_st4(out + i + 4, _mm256_and_pd(_mm256_castsi256_pd(khi), y1), nt);
        }
    }
    return b;
}

/* Full 64-element tiles [64 t0, 64 t1), two at a time. */
#define BDR_FWD_AVX2(NAME, T, VT, SET1, TILE)                                              \
BDR_AVX2 static void NAME(const T *x, T *out, uint64_t *bits, int64_t t0, int64_t t1,      \
                          uint32_t tmax, T s, int mode, uint64_t offset, uint64_t key,     \
                          int nt)                                                          \
{                                                                                          \
    const __m256i tm = _mm256_set1_epi32((int)tmax);                                       \
    const VT sv = SET1(s);                                                                 \
    __m256i w[16];                                                                         \
    int64_t t = t0;                                                                        \
    for (; t + 2 <= t1; t += 2) {                                                          \
        bdr_philox128(w, (uint64_t)(16 * t), offset, key);                                 \
        bits[t] = TILE(x, out, t, w, tm, sv, mode, nt);                                        \
        bits[t + 1] = TILE(x, out, t + 1, w + 8, tm, sv, mode, nt);                            \
    }                                                                                      \
    if (t < t1) {                                                                          \
        bdr_philox64(w, (uint64_t)(16 * t), offset, key);                                  \
        bits[t] = TILE(x, out, t, w, tm, sv, mode, nt);                                        \
    }                                                                                      \
}
BDR_FWD_AVX2(bdr_fwd_avx2_f32, float, __m256, _mm256_set1_ps, bdr_tile_f32)
BDR_FWD_AVX2(bdr_fwd_avx2_f64, double, __m256d, _mm256_set1_pd, bdr_tile_f64)

/* 8 keep bits starting at bit p (p + 8 <= number of valid bits) */
static inline unsigned bdr_get8(const uint64_t *bits, int64_t p)
{
    int64_t wi = p >> 6;
    int sh = (int)(p & 63);
    uint64_t v = bits[wi] >> sh;
    if (sh > 56) v |= bits[wi + 1] << (64 - sh);
    return (unsigned)(v & 0xFF);
}

/* first j >= j0 (j <= j1) where out + j is 16-byte aligned: streaming stores start there */
#define BDR_ALIGN16(out, j0, j1)                                                           \
    ({ int64_t j_ = (j0);                                                                  \
       while (j_ < (j1) && ((uintptr_t)((out) + j_) & 15)) ++j_;                           \
       j_; })

BDR_AVX2 static void bdr_run_avx2_f32(const float *x, float *out, const uint64_t *bits,
                                      int64_t base, int64_t j0, int64_t j1, float s, int mode,
                                      int nt)
{
    const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256 sv = _mm256_set1_ps(s);
    int64_t j = nt ? BDR_ALIGN16(out, j0, j1) : j0;
    bdr_run_scalar_f32(x, out, bits, base, j0, j, s, mode);
    for (; j + 8 <= j1; j += 8) {
        __m256i m = _mm256_and_si256(_mm256_set1_epi32((int)bdr_get8(bits, base + j)), sel);
        __m256 k = _mm256_castsi256_ps(_mm256_cmpeq_epi32(m, sel));
        bdr_st8(out + j, _mm256_and_ps(k, bdr_op8(_mm256_loadu_ps(x + j), sv, mode)), nt);
    }
    bdr_run_scalar_f32(x, out, bits, base, j, j1, s, mode);
}

BDR_AVX2 static void bdr_run_avx2_f64(const double *x, double *out, const uint64_t *bits,
                                      int64_t base, int64_t j0, int64_t j1, double s, int mode,
                                      int nt)
{
    const __m256i sel = _mm256_setr_epi64x(1, 2, 4, 8);
    const __m256d sv = _mm256_set1_pd(s);
    int64_t j = nt ? BDR_ALIGN16(out, j0, j1) : j0;
    bdr_run_scalar_f64(x, out, bits, base, j0, j, s, mode);
    for (; j + 8 <= j1; j += 8) {
        unsigned b = bdr_get8(bits, base + j);
        __m256i m0 = _mm256_and_si256(_mm256_set1_epi64x(b & 15), sel);
        __m256i m1 = _mm256_and_si256(_mm256_set1_epi64x(b >> 4), sel);
        __m256d k0 = _mm256_castsi256_pd(_mm256_cmpeq_epi64(m0, sel));
        __m256d k1 = _mm256_castsi256_pd(_mm256_cmpeq_epi64(m1, sel));
        __m256d y0 = bdr_op4(_mm256_loadu_pd(x + j), sv, mode);
        __m256d y1 = bdr_op4(_mm256_loadu_pd(x + j + 4), sv, mode);
        bdr_st4(out + j, _mm256_and_pd(k0, y0), nt);
        bdr_st4(out + j + 4, _mm256_and_pd(k1, y1), nt);
    }
    bdr_run_scalar_f64(x, out, bits, base, j, j1, s, mode);
}

/* a run sharing one keep decision, with streaming stores: op(x) or zeros */
BDR_AVX2 static void bdr_fill_nt_f32(const float *x, float *out, int keep, int64_t j0,
                                     int64_t j1, float s, int mode)
{
    const __m256 sv = _mm256_set1_ps(s), zero = _mm256_setzero_ps();
    int64_t j = BDR_ALIGN16(out, j0, j1);
    bdr_fill_f32(x, out, keep, j0, j, s, mode);
    for (; j + 8 <= j1; j += 8)
        bdr_st8(out + j, keep ? bdr_op8(_mm256_loadu_ps(x + j), sv, mode) : zero, 1);
    bdr_fill_f32(x, out, keep, j, j1, s, mode);
}

BDR_AVX2 static void bdr_fill_nt_f64(const double *x, double *out, int keep, int64_t j0,
                                     int64_t j1, double s, int mode)
{
    const __m256d sv = _mm256_set1_pd(s), zero = _mm256_setzero_pd();
    int64_t j = BDR_ALIGN16(out, j0, j1);
    bdr_fill_f64(x, out, keep, j0, j, s, mode);
    for (; j + 4 <= j1; j += 4)
        bdr_st4(out + j, keep ? bdr_op4(_mm256_loadu_pd(x + j), sv, mode) : zero, 1);
    bdr_fill_f64(x, out, keep, j, j1, s, mode);
}
#endif

/* ---- units ----------------------------------------------------------------------------- */
/* simd: 0 portable paths, 1 AVX2, 2 AVX2 with streaming stores (out 16-byte aligned).
 * Fused Philox mask + apply (x != NULL) or mask bits only (x == NULL) for elements
 * [u*ch, min(n, (u+1)*ch)); ch is a multiple of 64. */
#define BDR_FWD_UNIT(NAME, T, SUF)                                                         \
static inline void NAME(const T *x, T *out, uint64_t *bits, int64_t n, int64_t u,         \
                        int64_t ch, uint32_t tmax, T s, int mode, uint64_t offset,         \
                        uint64_t key, int simd)                                            \
{                                                                                          \
    int64_t i0 = u * ch, i1 = n - i0 < ch ? n : i0 + ch, full = i0;                        \
    if (BDR_X86 && simd) {                                                                 \
        full = i0 + ((i1 - i0) & ~(int64_t)63);                                            \
        BDR_IF_X86(bdr_fwd_avx2_##SUF(x, out, bits, i0 >> 6, full >> 6, tmax, s, mode,     \
                                      offset, key, simd == 2));                            \
    }                                                                                      \
    bdr_fwd_scalar_##SUF(x, out, bits, full, i1, tmax, s, mode, offset, key);              \
    BDR_IF_X86(if (simd == 2) _mm_sfence());                                               \
}
BDR_FWD_UNIT(bdr_fwd_unit_f32, float, f32)
BDR_FWD_UNIT(bdr_fwd_unit_f64, double, f64)

/* Broadcast apply of a mask to an array whose axes are collapsed into groups:
 * `ng` outer groups (sizes dims[], mask strides mstr[], 0 where the mask is shared)
 * and an inner contiguous run of `len` elements whose mask stride is 0 (shared) or 1. */
typedef struct {
    int64_t rows, len, inner_shared;
    int ng;
    int64_t dims[BDR_MAXG], mstr[BDR_MAXG];
} bdr_geom;

/* Units: when len >= ch, unit u is part u % parts of row u / parts; otherwise unit u is
 * rows [u*rpu, (u+1)*rpu) with rpu = ch / len. */
static inline int64_t bdr_units(const bdr_geom *g, int64_t ch)
{
    if (g->rows == 0 || g->len == 0) return 0;
    if (g->len >= ch) return g->rows * ((g->len + ch - 1) / ch);
    int64_t rpu = ch / g->len;
    return (g->rows + rpu - 1) / rpu;
}

#define BDR_APPLY_UNIT(NAME, T, SUF)                                                       \
static inline void NAME(const T *x, T *out, const uint64_t *bits, const bdr_geom *g,      \
                        int64_t u, int64_t ch, T s, int mode, int simd)                    \
{                                                                                          \
    int64_t L = g->len, r0, r1, j0 = 0, j1 = L, base = 0, rem, c[BDR_MAXG];                \
    if (L >= ch) {                                                                         \
        int64_t parts = (L + ch - 1) / ch;                                                 \
        r0 = u / parts; r1 = r0 + 1;                                                       \
        j0 = (u % parts) * ch; j1 = L - j0 < ch ? L : j0 + ch;                             \
    } else {                                                                               \
        int64_t rpu = ch / L;                                                              \
        r0 = u * rpu; r1 = g->rows - r0 < rpu ? g->rows : r0 + rpu;                        \
    }                                                                                      \
    rem = r0;                                                                              \
    for (int k = g->ng - 1; k >= 0; --k) {                                                 \
        c[k] = rem % g->dims[k]; rem /= g->dims[k]; base += c[k] * g->mstr[k];             \
    }                                                                                      \
    for (int64_t r = r0; r < r1; ++r) {                                                    \
        const T *xr = x + r * L;                                                           \
        T *orow = out + r * L;                                                             \
        if (g->inner_shared && simd == 2)                                                  \
            BDR_IF_X86(bdr_fill_nt_##SUF(xr, orow, bdr_bit(bits, base), j0, j1, s, mode)); \
        else if (g->inner_shared)                                                          \
            bdr_fill_##SUF(xr, orow, bdr_bit(bits, base), j0, j1, s, mode);                \
        else if (BDR_X86 && simd)                                                          \
            BDR_IF_X86(bdr_run_avx2_##SUF(xr, orow, bits, base, j0, j1, s, mode,           \
                                          simd == 2));                                     \
        else                                                                               \
            bdr_run_scalar_##SUF(xr, orow, bits, base, j0, j1, s, mode);                   \
        for (int k = g->ng - 1; k >= 0; --k) {  /* odometer to the next row */             \
            base += g->mstr[k];                                                            \
            if (++c[k] < g->dims[k]) break;                                                \
            base -= c[k] * g->mstr[k];                                                     \
            c[k] = 0;                                                                      \
        }                                                                                  \
    }                                                                                      \
    BDR_IF_X86(if (simd == 2) _mm_sfence());                                               \
}
BDR_APPLY_UNIT(bdr_apply_unit_f32, float, f32)
BDR_APPLY_UNIT(bdr_apply_unit_f64, double, f64)

#endif
