/* Inner loops of the batch-norm kernels (_batchnorm.pyx): the float64 lane sums of the
 * reduction passes and the per-channel affine maps of the output / input-gradient passes.
 *
 * Data is viewed as rows of W lanes (flat position p is lane p % W).  A lane's sums run
 * over its rows in order, one float64 chain per lane, 16 lanes at a time in vector
 * registers (GCC/Clang vector extensions: SSE registers on any x86-64, AVX registers when
 * the CPU has AVX2).  Vectors only put independent lanes side by side and the AVX2 build has
 * no FMA, so both builds do the same operations per lane in the same order and give bitwise
 * the same results; the choice is bigdl_simd.h's one run-time check, and the tests force the
 * baseline through its switch.  Other compilers get the same loops in plain C. */
#ifndef BIGDL_BN_H
#define BIGDL_BN_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "bigdl_simd.h"   /* BIGDL_X86_AVX2, BIGDL_AVX2_FN, bigdl_simd_avx2() */

#if defined(__GNUC__) || defined(__clang__)
#define BDB_INLINE static inline __attribute__((always_inline))
#else
#define BDB_INLINE static __inline
#endif

/* s0[l], s1[l] for l < W: over the flat positions p < L with p % W == l, in increasing p,
 * of d = x[p] - sh[l] in float64: (sum d, sum d^2) when g is NULL, else
 * (sum g[p], sum g[p] d).  The last row may be partial (L % W lanes). */
#define BDB_STEP(GIVEN_G, d, gv, a0, a1)                                                     \
    if (GIVEN_G) {                                                                           \
        a0 += gv;                                                                            \
        a1 += gv * d;                                                                        \
    } else {                                                                                 \
        a0 += d;                                                                             \
        a1 += d * d;                                                                         \
    }

/* the lanes from l0 (all of them in the baseline build), row by row with the sums in
 * memory (GCC vectorises the lane loop), and every lane's share of the partial last row */
#define BDB_SUMS(SUF, T)                                                                     \
    BDB_INLINE void bdb_sums_rest_##SUF(const T *x, const T *g, ptrdiff_t L, ptrdiff_t W,   \
                                         ptrdiff_t l0, const double *sh, double *s0,         \
                                         double *s1)                                         \
    {                                                                                        \
        ptrdiff_t rows = L / W, r, j;                                                        \
        double d, gv;                                                                        \
        for (j = l0; j < W; j++) {                                                           \
            s0[j] = 0;                                                                       \
            s1[j] = 0;                                                                       \
        }                                                                                    \
        for (r = 0; r < rows; r++, x += W, g = g ? g + W : g)                                \
            if (g == NULL)                                                                   \
                for (j = l0; j < W; j++) {                                                   \
                    d = (double)x[j] - sh[j];                                                \
                    BDB_STEP(0, d, 0, s0[j], s1[j])                                          \
                }                                                                            \
            else                                                                             \
                for (j = l0; j < W; j++) {                                                   \
                    d = (double)x[j] - sh[j];                                                \
                    gv = (double)g[j];                                                       \
                    BDB_STEP(1, d, gv, s0[j], s1[j])                                         \
                }                                                                            \
        for (j = 0; j < L - rows * W; j++) {                                                 \
            d = (double)x[j] - sh[j];                                                        \
            gv = g ? (double)g[j] : 0;                                                       \
            BDB_STEP(g != NULL, d, gv, s0[j], s1[j])                                         \
        }                                                                                    \
    }                                                                                        \
    static void bdb_sums_##SUF##_base(const T *x, const T *g, ptrdiff_t L, ptrdiff_t W,     \
                                      const double *sh, double *s0, double *s1)              \
    {                                                                                        \
        bdb_sums_rest_##SUF(x, g, L, W, 0, sh, s0, s1);                                      \
    }
BDB_SUMS(f32, float)
BDB_SUMS(f64, double)

#if BIGDL_X86_AVX2
/* AVX-512 (GCC builds on CPUs with AVX512F, under the same switch as AVX2): the same lane
 * sums, eight lanes to a register.  AVX512F has FMA, so contraction is switched off: the
 * multiplies and adds stay separate, as in the other builds. */
#if defined(__GNUC__) && !defined(__clang__)
#define BDB_AVX512 1
#define BDB_AVX512_FN __attribute__((target("avx512f"), optimize("fp-contract=off")))
static int bdb_avx512_level = -1;   /* 1 use, 0 not, -1 not decided */
static inline int bdb_avx512(void)
{
    int level = __atomic_load_n(&bdb_avx512_level, __ATOMIC_RELAXED);
    if (level < 0) {
        __builtin_cpu_init();
        level = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&bdb_avx512_level, level, __ATOMIC_RELAXED);
    }
    return level && bigdl_simd_avx2();
}
/* tests: forbid (0) or allow (1) the AVX-512 build; returns whether it is used now */
static inline int bdb_avx512_set(int on)
{
    __atomic_store_n(&bdb_avx512_level, -1, __ATOMIC_RELAXED);
    if (bdb_avx512() && !on) __atomic_store_n(&bdb_avx512_level, 0, __ATOMIC_RELAXED);
    return bdb_avx512();
}
#else
#define BDB_AVX512 0
static inline int bdb_avx512(void) { return 0; }
static inline int bdb_avx512_set(int on) { (void)on; return 0; }
#endif

/* VL lanes at p as float64, and the vector operations, per register width */
#define BDB_LD_f32_256(p) _mm256_cvtps_pd(_mm_loadu_ps(p))
#define BDB_LD_f64_256(p) _mm256_loadu_pd(p)
#define BDB_LD_f32_512(p) _mm512_cvtps_pd(_mm256_loadu_ps(p))
#define BDB_LD_f64_512(p) _mm512_loadu_pd(p)
#define BDB_VT_256 __m256d
#define BDB_VT_512 __m512d
#define BDB_MM_256(op) _mm256_##op
#define BDB_MM_512(op) _mm512_##op
/* one step of VL lanes: the data less their shifts h, into the two sums (a, b) */
#define BDB_VSTEP(GIVEN_G, SUF, BITS, xp, gp, h, a, b)                                       \
    {                                                                                        \
        BDB_VT_##BITS d_ = BDB_MM_##BITS(sub_pd)(BDB_LD_##SUF##_##BITS(xp), h);              \
        if (GIVEN_G) {                                                                       \
            BDB_VT_##BITS g_ = BDB_LD_##SUF##_##BITS(gp);                                    \
            a = BDB_MM_##BITS(add_pd)(a, g_);                                                \
            b = BDB_MM_##BITS(add_pd)(b, BDB_MM_##BITS(mul_pd)(g_, d_));                     \
        } else {                                                                             \
            a = BDB_MM_##BITS(add_pd)(a, d_);                                                \
            b = BDB_MM_##BITS(add_pd)(b, BDB_MM_##BITS(mul_pd)(d_, d_));                     \
        }                                                                                    \
    }
/* lanes l .. l + VL*NB - 1 over rows r0 .. r1 - 1: 2*NB chains in registers, carried in
 * s0, s1 between calls */
#define BDB_VBLOCK(GIVEN_G, SUF, BITS, VL, NB)                                               \
    {                                                                                        \
        BDB_VT_##BITS a[NB], b[NB], h[NB];                                                   \
        int q;                                                                               \
        for (q = 0; q < NB; q++) {                                                           \
            a[q] = BDB_MM_##BITS(loadu_pd)(s0 + l + VL * q);                                 \
            b[q] = BDB_MM_##BITS(loadu_pd)(s1 + l + VL * q);                                 \
            h[q] = BDB_MM_##BITS(loadu_pd)(sh + l + VL * q);                                 \
        }                                                                                    \
        for (r = r0; r < r1; r++)                                                            \
            for (q = 0; q < NB; q++)                                                         \
                BDB_VSTEP(GIVEN_G, SUF, BITS, x + r * W + l + VL * q, g + r * W + l + VL * q, \
                          h[q], a[q], b[q])                                                  \
        for (q = 0; q < NB; q++) {                                                           \
            BDB_MM_##BITS(storeu_pd)(s0 + l + VL * q, a[q]);                                 \
            BDB_MM_##BITS(storeu_pd)(s1 + l + VL * q, b[q]);                                 \
        }                                                                                    \
    }
#define BDB_VBLOCKS(SUF, BITS, VL, NB)                                                       \
    for (; l + VL * NB <= nv; l += VL * NB)                                                  \
        if (g == NULL) BDB_VBLOCK(0, SUF, BITS, VL, NB) else BDB_VBLOCK(1, SUF, BITS, VL, NB)
/* the lanes VL*4, VL*2, VL at a time (then in fours) over groups of rows (a few KB: a group
 * stays in L1 while the lane blocks sweep it); the lanes left and the partial last row by
 * bdb_sums_rest */
#define BDB_SUMS_SIMD(SUF, T, BITS, VL, FN)                                                  \
    FN static void bdb_sums_##SUF##_##BITS(const T *x, const T *g, ptrdiff_t L, ptrdiff_t W, \
                                           const double *sh, double *s0, double *s1)         \
    {                                                                                        \
        ptrdiff_t rows = L / W, nv = W / 4 * 4, l, r, r0, r1;                                \
        ptrdiff_t group = 2048 / (ptrdiff_t)sizeof(T) / W + 1;                                \
        for (l = 0; l < nv; l++) {                                                           \
            s0[l] = 0;                                                                       \
            s1[l] = 0;                                                                       \
        }                                                                                    \
        for (r0 = 0; r0 < rows; r0 = r1) {                                                   \
            r1 = r0 + group < rows ? r0 + group : rows;                                      \
            l = 0;                                                                           \
            BDB_VBLOCKS(SUF, BITS, VL, 4)                                                    \
            BDB_VBLOCKS(SUF, BITS, VL, 2)                                                    \
            BDB_VBLOCKS(SUF, BITS, VL, 1)                                                    \
            BDB_VBLOCKS(SUF, 256, 4, 1)                                                      \
        }                                                                                    \
        bdb_sums_rest_##SUF(x, g, L, W, nv, sh, s0, s1);                                     \
    }
#if BDB_AVX512
BDB_SUMS_SIMD(f32, float, 512, 8, BDB_AVX512_FN)
BDB_SUMS_SIMD(f64, double, 512, 8, BDB_AVX512_FN)
#define BDB_SUMS_512(SUF) if (bdb_avx512()) bdb_sums_##SUF##_512(x, g, L, W, sh, s0, s1); else
#else
#define BDB_SUMS_512(SUF)
#endif
#define BDB_SUMS_AVX2(SUF, T)                                                                \
    BDB_SUMS_SIMD(SUF, T, 256, 4, BIGDL_AVX2_FN)                                             \
    static inline void bdb_sums_##SUF(const T *x, const T *g, ptrdiff_t L, ptrdiff_t W,     \
                                      const double *sh, double *s0, double *s1)              \
    {                                                                                        \
        BDB_SUMS_512(SUF)                                                                    \
        if (bigdl_simd_avx2()) bdb_sums_##SUF##_256(x, g, L, W, sh, s0, s1);                 \
        else bdb_sums_##SUF##_base(x, g, L, W, sh, s0, s1);                                  \
    }
#else
static inline int bdb_avx512_set(int on) { (void)on; return 0; }
#define BDB_SUMS_AVX2(SUF, T)                                                                \
    static inline void bdb_sums_##SUF(const T *x, const T *g, ptrdiff_t L, ptrdiff_t W,     \
                                      const double *sh, double *s0, double *s1)              \
    {                                                                                        \
        bdb_sums_##SUF##_base(x, g, L, W, sh, s0, s1);                                       \
    }
#endif
BDB_SUMS_AVX2(f32, float)
BDB_SUMS_AVX2(f64, double)

/* Flat positions p < L as rows of W lanes, k = (m, k1, k2, k3), W values each:
 * y = (x - m) k2 + k3 when g is NULL, else y = k1 g + (x - m) k2 + k3 (in T), with the
 * constants of lane p % W (the last row may be partial). */
#define BDB_AFFINE(SUF, T)                                                                   \
    BDB_INLINE void bdb_affine_rows_##SUF##_body(const T *x, const T *g, T *y, ptrdiff_t L, \
                                                  ptrdiff_t W, const T *k)                   \
    {                                                                                        \
        ptrdiff_t p, c, n;                                                                   \
        const T *m = k, *k1 = k + W, *k2 = k + 2 * W, *k3 = k + 3 * W;                       \
        for (p = 0; p < L; p += W) {                                                         \
            n = L - p < W ? L - p : W;                                                       \
            if (g == NULL)                                                                   \
                for (c = 0; c < n; c++) y[p + c] = (x[p + c] - m[c]) * k2[c] + k3[c];        \
            else                                                                             \
                for (c = 0; c < n; c++)                                                      \
                    y[p + c] = k1[c] * g[p + c] + (x[p + c] - m[c]) * k2[c] + k3[c];         \
        }                                                                                    \
    }                                                                                        \
    /* one channel's n values: the same map with scalar constants */                         \
    BDB_INLINE void bdb_affine_plane_##SUF##_body(const T *x, const T *g, T *y, ptrdiff_t n, \
                                                   T m, T k1, T k2, T k3)                    \
    {                                                                                        \
        ptrdiff_t i;                                                                         \
        if (g == NULL)                                                                       \
            for (i = 0; i < n; i++) y[i] = (x[i] - m) * k2 + k3;                             \
        else                                                                                 \
            for (i = 0; i < n; i++) y[i] = k1 * g[i] + (x[i] - m) * k2 + k3;                 \
    }
BDB_AFFINE(f32, float)
BDB_AFFINE(f64, double)

#if BIGDL_X86_AVX2
/* The maps with streaming (non-temporal) stores, which skip the read-for-ownership of the
 * output (16-byte aligned halves; the callers pass large outputs only): the same operations
 * in the same order as the loops above, so the same bits. */
#define BDB_AFFINE_NT(SUF, T, VT, N, PS)                                                     \
    BIGDL_AVX2_FN static inline VT bdb_map_##SUF(VT x, VT g, VT m, VT k1, VT k2, VT k3,     \
                                                 int given_g)                                \
    {                                                                                        \
        VT v = _mm256_mul_##PS(_mm256_sub_##PS(x, m), k2);                                   \
        if (given_g) v = _mm256_add_##PS(_mm256_mul_##PS(k1, g), v);                         \
        return _mm256_add_##PS(v, k3);                                                       \
    }                                                                                        \
    BIGDL_AVX2_FN static inline void bdb_stream_##SUF(T *p, VT v)                            \
    {                                                                                        \
        _mm_stream_##PS(p, _mm256_cast##PS##256_##PS##128(v));                              \
        _mm_stream_##PS(p + N / 2, _mm256_extractf128_##PS(v, 1));                           \
    }                                                                                        \
    /* rows: y and W values 16-byte aligned */                                               \
    BIGDL_AVX2_FN static void bdb_affine_rows_##SUF##_nt(const T *x, const T *g, T *y,      \
                                                         ptrdiff_t L, ptrdiff_t W,           \
                                                         const T *k)                         \
    {                                                                                        \
        ptrdiff_t p, c, n;                                                                   \
        const T *m = k, *k1 = k + W, *k2 = k + 2 * W, *k3 = k + 3 * W;                       \
        VT gv = _mm256_setzero_##PS();                                                       \
        for (p = 0; p < L; p += W) {                                                         \
            n = L - p < W ? L - p : W;                                                       \
            for (c = 0; c + N <= n; c += N) {                                                \
                if (g != NULL) gv = _mm256_loadu_##PS(g + p + c);                            \
                bdb_stream_##SUF(y + p + c,                                                  \
                    bdb_map_##SUF(_mm256_loadu_##PS(x + p + c), gv, _mm256_loadu_##PS(m + c), \
                                  _mm256_loadu_##PS(k1 + c), _mm256_loadu_##PS(k2 + c),      \
                                  _mm256_loadu_##PS(k3 + c), g != NULL));                    \
            }                                                                                \
            if (c < n)                                                                       \
                bdb_affine_rows_##SUF##_body(x + p + c, g ? g + p + c : g, y + p + c, n - c, W, \
                                             k + c);                                         \
        }                                                                                    \
        _mm_sfence();                                                                        \
    }                                                                                        \
    /* a plane: scalar up to the first 16-byte aligned output and after the last vector */   \
    BIGDL_AVX2_FN static void bdb_affine_plane_##SUF##_nt(const T *x, const T *g, T *y,     \
                                                          ptrdiff_t n, T m, T k1, T k2,      \
                                                          T k3)                              \
    {                                                                                        \
        ptrdiff_t i0 = 0, i;                                                                 \
        VT gv = _mm256_setzero_##PS(), mv = _mm256_set1_##PS(m), k1v = _mm256_set1_##PS(k1); \
        VT k2v = _mm256_set1_##PS(k2), k3v = _mm256_set1_##PS(k3);                           \
        while (i0 < n && ((uintptr_t)(y + i0) & 15)) i0++;                                   \
        bdb_affine_plane_##SUF##_body(x, g, y, i0, m, k1, k2, k3);                           \
        for (i = i0; i + N <= n; i += N) {                                                   \
            if (g != NULL) gv = _mm256_loadu_##PS(g + i);                                    \
            bdb_stream_##SUF(y + i, bdb_map_##SUF(_mm256_loadu_##PS(x + i), gv, mv, k1v, k2v, \
                                                  k3v, g != NULL));                          \
        }                                                                                    \
        _mm_sfence();                                                                        \
        bdb_affine_plane_##SUF##_body(x + i, g ? g + i : g, y + i, n - i, m, k1, k2, k3);    \
    }
BDB_AFFINE_NT(f32, float, __m256, 8, ps)
BDB_AFFINE_NT(f64, double, __m256d, 4, pd)
#endif
/* the entry points: AVX2 build (nt: streaming stores where allowed) or baseline */
#if BIGDL_X86_AVX2
#define BDB_DISPATCH(NAME, NT_OK, PARAMS, ARGS)                                              \
    static void NAME##_base PARAMS { NAME##_body ARGS; }                                     \
    BIGDL_AVX2_FN static void NAME##_avx2 PARAMS { NAME##_body ARGS; }                       \
    static inline void NAME(BDB_UNPAREN PARAMS, int nt)                                      \
    {                                                                                        \
        if (!bigdl_simd_avx2()) NAME##_base ARGS;                                            \
        else if (nt && (NT_OK)) NAME##_nt ARGS;                                              \
        else NAME##_avx2 ARGS;                                                               \
    }
#else
#define BDB_DISPATCH(NAME, NT_OK, PARAMS, ARGS)                                              \
    static inline void NAME(BDB_UNPAREN PARAMS, int nt) { NAME##_body ARGS; }
#endif
#define BDB_UNPAREN(...) __VA_ARGS__

#define BDB_ROWS_PARAMS(T)                                                                   \
    (const T *x, const T *g, T *y, ptrdiff_t L, ptrdiff_t W, const T *k)
#define BDB_PLANE_PARAMS(T)                                                                  \
    (const T *x, const T *g, T *y, ptrdiff_t n, T m, T k1, T k2, T k3)
/* streaming rows need every row 16-byte aligned */
#define BDB_ROWS_NT_OK(T) ((uintptr_t)y % 16 == 0 && W * sizeof(T) % 16 == 0)

BDB_DISPATCH(bdb_affine_rows_f32, BDB_ROWS_NT_OK(float), BDB_ROWS_PARAMS(float),
             (x, g, y, L, W, k))
BDB_DISPATCH(bdb_affine_rows_f64, BDB_ROWS_NT_OK(double), BDB_ROWS_PARAMS(double),
             (x, g, y, L, W, k))
BDB_DISPATCH(bdb_affine_plane_f32, 1, BDB_PLANE_PARAMS(float), (x, g, y, n, m, k1, k2, k3))
BDB_DISPATCH(bdb_affine_plane_f64, 1, BDB_PLANE_PARAMS(double), (x, g, y, n, m, k1, k2, k3))

#endif /* BIGDL_BN_H */
