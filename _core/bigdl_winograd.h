/* Vector loops of the Winograd F(4x4, 3x3) transforms (winograd.pxd, _winograd.pyx).
 *
 * Each loop applies one 1-D transform to n independent lanes c (channels in NHWC, tiles in
 * NCHW).  Inputs: the *_rows forms read input j of lane c at d[j][c]; the *_gather4 forms
 * read it at s[4 c + j] (the overlapping windows of a row of tiles).  Outputs: output i of
 * lane c goes to r[i o + c], or to r[i][c] (+ add[c]) for A^T, or to r[4 c + i] (+ b) for
 * A^T's *_scatter4 form (a row of tiles' outputs side by side).
 *   B^T (6 <- 6) input tiles,  A^T (4 <- 6) output tiles,  A (6 <- 4) output gradients.
 * restrict and `omp simd` let the compiler vectorise them (plain loops without OpenMP);
 * on x86-64 an AVX2 build of each is chosen at run time (same bits as the baseline).
 * Each function comes as _f (float) and _d (double); the un-suffixed name takes void
 * pointers and a flag `dbl`, so the fused Cython code calls one name. */
#ifndef BIGDL_WINOGRAD_H
#define BIGDL_WINOGRAD_H
#include <stddef.h>
#include "bigdl_simd.h"   /* BIGDL_X86_AVX2, BIGDL_AVX2_FN, bigdl_simd_avx2() */

#if defined(_OPENMP)
#define BWG_SIMD _Pragma("omp simd")
#else
#define BWG_SIMD
#endif

/* the transforms: IN(j) reads input j, OUT(i, v) stores output i */
#define BWG_BT(T, IN, OUT)                                                                  \
    {                                                                                       \
        T d0 = IN(0), d1 = IN(1), d2 = IN(2), d3 = IN(3), d4 = IN(4), d5 = IN(5);           \
        T t1 = d4 - 4 * d2, t2 = d3 - 4 * d1, t3 = d4 - d2, t4 = 2 * (d3 - d1);             \
        OUT(0, 4 * d0 - 5 * d2 + d4); OUT(1, t1 + t2); OUT(2, t1 - t2);                     \
        OUT(3, t3 + t4); OUT(4, t3 - t4); OUT(5, 4 * d1 - 5 * d3 + d5);                     \
    }
#define BWG_AT(T, IN, OUT)                                                                  \
    {                                                                                       \
        T s1 = IN(1) + IN(2), s2 = IN(3) + IN(4), e1 = IN(1) - IN(2), e2 = IN(3) - IN(4);   \
        OUT(0, IN(0) + s1 + s2); OUT(1, e1 + 2 * e2); OUT(2, s1 + 4 * s2);                  \
        OUT(3, e1 + 8 * e2 + IN(5));                                                        \
    }
#define BWG_A(T, IN, OUT)                                                                   \
    {                                                                                       \
        T e0 = IN(0), e1 = IN(1), e2 = IN(2), e3 = IN(3);                                   \
        T p1 = e0 + e2, p2 = e1 + e3, q1 = e0 + 4 * e2, q2 = 2 * e1 + 8 * e3;              \
        OUT(0, e0); OUT(1, p1 + p2); OUT(2, p1 - p2); OUT(3, q1 + q2); OUT(4, q1 - q2);     \
        OUT(5, e3);                                                                         \
    }

#define BWG_IN_ROWS(j) d[j][c]
#define BWG_IN_GATHER(j) s[4 * c + (j)]
#define BWG_OUT_STRIDED(i, v) r[(i) * o + c] = (v)
#define BWG_OUT_ROWS(i, v) r[i][c] = (v) + (add != NULL ? add[c] : 0)
#define BWG_OUT_SCATTER(i, v) r[4 * c + (i)] = (v) + b

/* one function NAME_S(ARGS) (CALL: its argument names): the loop applying XF with IN/OUT,
 * built twice, for the baseline and with AVX2 (no FMA: the same operations, so the same
 * bits), and the run-time choice between them (bigdl_simd.h) */
#if BIGDL_X86_AVX2
#define BWG_FN(T, S, NAME, XF, IN, OUT, ARGS, CALL)                                         \
    static BIGDL_ALWAYS_INLINE void NAME##_##S##_body ARGS                                  \
    {                                                                                       \
        ptrdiff_t c;                                                                        \
        BWG_SIMD                                                                            \
        for (c = 0; c < n; c++) XF(T, IN, OUT)                                              \
    }                                                                                       \
    static void NAME##_##S##_base ARGS { NAME##_##S##_body CALL; }                          \
    BIGDL_AVX2_FN static void NAME##_##S##_avx2 ARGS { NAME##_##S##_body CALL; }            \
    static inline void NAME##_##S ARGS                                                      \
    {                                                                                       \
        if (bigdl_simd_avx2()) NAME##_##S##_avx2 CALL; else NAME##_##S##_base CALL;         \
    }
#else
#define BWG_FN(T, S, NAME, XF, IN, OUT, ARGS, CALL)                                         \
    static inline void NAME##_##S ARGS                                                      \
    {                                                                                       \
        ptrdiff_t c;                                                                        \
        BWG_SIMD                                                                            \
        for (c = 0; c < n; c++) XF(T, IN, OUT)                                              \
    }
#endif

#define BWG_DEFINE(T, S)                                                                    \
    BWG_FN(T, S, bwg_bt_rows, BWG_BT, BWG_IN_ROWS, BWG_OUT_STRIDED,                         \
           (const T *const *d, T *restrict r, ptrdiff_t o, ptrdiff_t n), (d, r, o, n))      \
    BWG_FN(T, S, bwg_bt_gather4, BWG_BT, BWG_IN_GATHER, BWG_OUT_STRIDED,                    \
           (const T *restrict s, T *restrict r, ptrdiff_t o, ptrdiff_t n), (s, r, o, n))    \
    BWG_FN(T, S, bwg_at_rows, BWG_AT, BWG_IN_ROWS, BWG_OUT_ROWS,                            \
           (const T *const *d, T *const *r, const T *restrict add, ptrdiff_t n),            \
           (d, r, add, n))                                                                  \
    BWG_FN(T, S, bwg_at_scatter4, BWG_AT, BWG_IN_ROWS, BWG_OUT_SCATTER,                     \
           (const T *const *d, T *restrict r, T b, ptrdiff_t n), (d, r, b, n))              \
    BWG_FN(T, S, bwg_a_rows, BWG_A, BWG_IN_ROWS, BWG_OUT_STRIDED,                           \
           (const T *const *d, T *restrict r, ptrdiff_t o, ptrdiff_t n), (d, r, o, n))      \
    BWG_FN(T, S, bwg_a_gather4, BWG_A, BWG_IN_GATHER, BWG_OUT_STRIDED,                      \
           (const T *restrict s, T *restrict r, ptrdiff_t o, ptrdiff_t n), (s, r, o, n))

BWG_DEFINE(float, f)
BWG_DEFINE(double, d)

/* the dispatchers: void pointers and a flag dbl (double, else float) */
#define BWG_ROWS_T(T) const T *const *
#define BWG_ONE_T(T) const T *
#define BWG_DISPATCH(NAME, IN_T)                                                            \
    static inline void NAME(const void *d, void *r, ptrdiff_t o, ptrdiff_t n, int dbl)      \
    {                                                                                       \
        if (dbl) NAME##_d((IN_T(double))d, (double *)r, o, n);                              \
        else NAME##_f((IN_T(float))d, (float *)r, o, n);                                    \
    }
BWG_DISPATCH(bwg_bt_rows, BWG_ROWS_T)
BWG_DISPATCH(bwg_bt_gather4, BWG_ONE_T)
BWG_DISPATCH(bwg_a_rows, BWG_ROWS_T)
BWG_DISPATCH(bwg_a_gather4, BWG_ONE_T)

static inline void bwg_at_rows(const void *d, void *r, const void *add, ptrdiff_t n, int dbl)
{
    if (dbl) bwg_at_rows_d((const double *const *)d, (double *const *)r, (const double *)add, n);
    else bwg_at_rows_f((const float *const *)d, (float *const *)r, (const float *)add, n);
}
static inline void bwg_at_scatter4(const void *d, void *r, double b, ptrdiff_t n, int dbl)
{
    if (dbl) bwg_at_scatter4_d((const double *const *)d, (double *)r, b, n);
    else bwg_at_scatter4_f((const float *const *)d, (float *)r, (float)b, n);
}

/* zeros read for rows and columns outside the input (all-zero bytes: 0.0 in both types) */
#define BWG_ZLEN 72
static const double bwg_zeros[BWG_ZLEN] = {0};

#endif
