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

/* The AVX2 code, its guard (BIGDL_X86_AVX2), the Philox batch and the run-time choice
 * (bigdl_simd_avx2) are bigdl_philox.h's: one of each for every kernel. */
#if BIGDL_X86_AVX2
#define BDR_IF_X86(call) call
#else
#define BDR_IF_X86(call) ((void)0)
#endif

enum { BDR_SELECT = 0, BDR_DIV = 1, BDR_MUL = 2 };  /* kept value: x, x / s, x * s */
#define BDR_MAXG 64                                  /* numpy arrays have <= 64 axes */
#define BDR_TILES (BIGDL_BATCH / 16)  /* 64-element tiles per Philox batch (16 blocks each) */
#if BIGDL_BATCH % 16
#error "bigdl_dropout.h needs BIGDL_BATCH to be a multiple of 16"
#endif

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
#if BIGDL_X86_AVX2
/* all-ones lanes where word <= tmax */
BIGDL_AVX2_FN static inline __m256i bdr_keep8(__m256i w, __m256i tmax)
{
    return _mm256_cmpeq_epi32(_mm256_min_epu32(w, tmax), w);
}

BIGDL_AVX2_FN static inline __m256 bdr_op8(__m256 v, __m256 s, int mode)
{
    return mode == BDR_DIV ? _mm256_div_ps(v, s) : mode == BDR_MUL ? _mm256_mul_ps(v, s) : v;
}

BIGDL_AVX2_FN static inline __m256d bdr_op4(__m256d v, __m256d s, int mode)
{
    return mode == BDR_DIV ? _mm256_div_pd(v, s) : mode == BDR_MUL ? _mm256_mul_pd(v, s) : v;
}

/* Stores of 8 floats / 4 doubles; nt: streaming (non-temporal) stores, which skip the
 * read-for-ownership of the destination (p must then be 16-byte aligned). */
#define BDR_STORE(NAME, T, VT, HALF, PS)                                                   \
BIGDL_AVX2_FN static inline void NAME(T *p, VT v, int nt)                                  \
{                                                                                          \
    if (nt) {                                                                              \
        _mm_stream_##PS(p, _mm256_cast##PS##256_##PS##128(v));                             \
        _mm_stream_##PS(p + (HALF), _mm256_extractf128_##PS(v, 1));                        \
    } else {                                                                               \
        _mm256_storeu_##PS(p, v);                                                          \
    }                                                                                      \
}
BDR_STORE(bdr_st8, float, __m256, 4, ps)
BDR_STORE(bdr_st4, double, __m256d, 2, pd)

/* One 64-element tile t from its 8 word vectors: the keep bits, and (x != NULL) outputs. */
BIGDL_AVX2_FN static inline uint64_t bdr_tile_f32(const float *x, float *out, int64_t t,
                                                  const __m256i *w, __m256i tm, __m256 sv,
                                                  int mode, int nt)
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

BIGDL_AVX2_FN static inline uint64_t bdr_tile_f64(const double *x, double *out, int64_t t,
                                                  const __m256i *w, __m256i tm, __m256d sv,
                                                  int mode, int nt)
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

/* Full 64-element tiles [64 t0, 64 t1), BDR_TILES at a time: the batch's words are in
 * element order, 8 to a vector, so tile k of a batch is vectors 8k .. 8k+7. */
#define BDR_FWD_AVX2(NAME, T, VT, SET1, TILE)                                              \
BIGDL_AVX2_FN static void NAME(const T *x, T *out, uint64_t *bits, int64_t t0, int64_t t1, \
                               uint32_t tmax, T s, int mode, uint64_t offset, uint64_t key,\
                               int nt)                                                     \
{                                                                                          \
    const __m256i tm = _mm256_set1_epi32((int)tmax);                                       \
    const VT sv = SET1(s);                                                                 \
    __m256i w[8 * BDR_TILES];                                                              \
    for (int64_t t = t0; t < t1; t += BDR_TILES) {                                         \
        bigdl_philox_batch_avx2((uint32_t *)w, (uint64_t)(16 * t), offset, key);           \
        for (int k = 0; k < BDR_TILES && t + k < t1; ++k)                                  \
            bits[t + k] = TILE(x, out, t + k, w + 8 * k, tm, sv, mode, nt);                \
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

BIGDL_AVX2_FN static void bdr_run_avx2_f32(const float *x, float *out, const uint64_t *bits,
                                           int64_t base, int64_t j0, int64_t j1, float s,
                                           int mode, int nt)
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

BIGDL_AVX2_FN static void bdr_run_avx2_f64(const double *x, double *out, const uint64_t *bits,
                                           int64_t base, int64_t j0, int64_t j1, double s,
                                           int mode, int nt)
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
#define BDR_FILL_NT(SUF, T, VT, L, SET1, ZERO, LOAD, OP, ST)                               \
BIGDL_AVX2_FN static void bdr_fill_nt_##SUF(const T *x, T *out, int keep, int64_t j0,     \
                                            int64_t j1, T s, int mode)                     \
{                                                                                          \
    const VT sv = SET1(s), zero = ZERO();                                                  \
    int64_t j = BDR_ALIGN16(out, j0, j1);                                                  \
    bdr_fill_##SUF(x, out, keep, j0, j, s, mode);                                          \
    for (; j + (L) <= j1; j += (L))                                                        \
        ST(out + j, keep ? OP(LOAD(x + j), sv, mode) : zero, 1);                           \
    bdr_fill_##SUF(x, out, keep, j, j1, s, mode);                                          \
}
BDR_FILL_NT(f32, float, __m256, 8, _mm256_set1_ps, _mm256_setzero_ps, _mm256_loadu_ps,
            bdr_op8, bdr_st8)
BDR_FILL_NT(f64, double, __m256d, 4, _mm256_set1_pd, _mm256_setzero_pd, _mm256_loadu_pd,
            bdr_op4, bdr_st4)
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
    if (BIGDL_X86_AVX2 && simd) {                                                                 \
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
        else if (BIGDL_X86_AVX2 && simd)                                                          \
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
