/* Register-blocked inner loops of the direct convolution kernels (convdirect.pxd).
 *
 * Eight outputs of a row at a time are summed over every tap in an 8-lane vector
 * (GCC/Clang vector extensions: two SSE registers on any x86-64, one AVX register when
 * the CPU has AVX2).  The AVX2 build of each loop has no FMA, so both builds do the same
 * multiplies and adds in the same order and give bitwise the same results; the choice is
 * made by bigdl_simd.h's one run-time check (bigdl_simd_avx2, BIGDL_NO_AVX2 honoured) and the
 * tests force the baseline through its switch.  Other compilers get the same loops in
 * plain C. */
#ifndef BIGDL_CONV_H
#define BIGDL_CONV_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "bigdl_simd.h"   /* BIGDL_X86_AVX2, BIGDL_AVX2_FN, bigdl_simd_avx2() */

#if defined(__GNUC__)
#define BDC_INLINE static inline __attribute__((always_inline))
#define BDC_VECTORS 1
typedef float bdc_v8f __attribute__((vector_size(32)));
typedef double bdc_v8d __attribute__((vector_size(64)));
#else
#define BDC_INLINE static __inline
#define BDC_VECTORS 0
#endif

/* dst[j] = b0 + sum over (ci, a, b) in order of wo[ci*wc + a*wa + b*wb] * row(ci, a)[j + d(b)]
 * for j < n rounded UP to 8, where row(ci, a) = xb + ci*cs + a*rs and d(b) = b, or -b when
 * flip: up to 7 outputs past n are computed (callers leave CH - 1 values of slack after dst
 * and after the rows they read).  Up to four chunks of 8 at once: four independent add
 * chains instead of one (an add's latency, not the multiplies, bounds one chain).
 * Returns the outputs done. */
#define BDC_BLOCK(T, V, P)                                                                   \
    {                                                                                        \
        V s[P], x;                                                                           \
        for (p = 0; p < P; p++)                                                              \
            for (k = 0; k < 8; k++) s[p][k] = b0;                                            \
        for (ci = 0; ci < nc; ci++)                                                          \
            for (a = 0; a < kh; a++) {                                                       \
                const T *xr = xb + ci * cs + a * rs + j0;                                    \
                const T *wr = wo + ci * wc + a * wa;                                         \
                for (b = 0; b < kw; b++) {                                                   \
                    T w = wr[b * wb];                                                        \
                    const T *xx = xr + (flip ? -b : b);                                      \
                    for (p = 0; p < P; p++) {                                                \
                        memcpy(&x, xx + 8 * p, sizeof x);                                    \
                        s[p] += w * x;                                                       \
                    }                                                                        \
                }                                                                            \
            }                                                                                \
        for (p = 0; p < P; p++) memcpy(dst + j0 + 8 * p, &s[p], sizeof x);                   \
        j0 += 8 * P;                                                                         \
    }
#define BDC_TAPS(SUF, T, V)                                                                  \
    BDC_INLINE ptrdiff_t bdc_taps_##SUF##_body(                                              \
        const T *xb, ptrdiff_t cs, ptrdiff_t rs, const T *wo, ptrdiff_t wc, ptrdiff_t wa,    \
        ptrdiff_t wb, ptrdiff_t nc, ptrdiff_t kh, ptrdiff_t kw, int flip, T b0, T *dst,      \
        ptrdiff_t n)                                                                         \
    {                                                                                        \
        ptrdiff_t j0 = 0, ci, a, b, k, p;                                                    \
        while (n - j0 > 24) BDC_BLOCK(T, V, 4)                                               \
        if (n - j0 > 16) BDC_BLOCK(T, V, 3)                                                  \
        else if (n - j0 > 8) BDC_BLOCK(T, V, 2)                                              \
        else if (n - j0 > 0) BDC_BLOCK(T, V, 1)                                              \
        return j0;                                                                           \
    }

/* The same sums for one chunk of 8 outputs of np planes at once (narrow rows, where
 * bdc_taps would have one chain per plane): dst[o*ds + k], o < np, k < 8, = bias[o] (0 when
 * bias is NULL) + sum over (ci, a, b) in order of wo[o*os + ci*wc + a*wa + b*wb] *
 * row(ci, a)[k + b] -- bdc_taps' operations per output (no flip), so the same bits.  Up to
 * eight planes' chains at once; returns the planes done (np). */
#define BDC_PLANE_BLOCK(T, V, P)                                                             \
    {                                                                                        \
        V s[P], x;                                                                           \
        for (p = 0; p < P; p++)                                                              \
            for (k = 0; k < 8; k++) s[p][k] = bias ? bias[o0 + p] : 0;                       \
        for (ci = 0; ci < nc; ci++)                                                          \
            for (a = 0; a < kh; a++) {                                                       \
                const T *xr = xb + ci * cs + a * rs;                                         \
                const T *wr = wo + o0 * os + ci * wc + a * wa;                               \
                for (b = 0; b < kw; b++) {                                                   \
                    memcpy(&x, xr + b, sizeof x);                                            \
                    for (p = 0; p < P; p++) s[p] += wr[p * os + b * wb] * x;                 \
                }                                                                            \
            }                                                                                \
        for (p = 0; p < P; p++) memcpy(dst + (o0 + p) * ds, &s[p], sizeof x);                \
        o0 += P;                                                                             \
    }
#define BDC_PLANES(SUF, T, V)                                                                \
    BDC_INLINE ptrdiff_t bdc_planes_##SUF##_body(                                            \
        const T *xb, ptrdiff_t cs, ptrdiff_t rs, const T *wo, ptrdiff_t os, ptrdiff_t wc,    \
        ptrdiff_t wa, ptrdiff_t wb, ptrdiff_t nc, ptrdiff_t kh, ptrdiff_t kw,                \
        const T *bias, T *dst, ptrdiff_t ds, ptrdiff_t np)                                   \
    {                                                                                        \
        ptrdiff_t o0 = 0, ci, a, b, k, p;                                                    \
        while (np - o0 >= 8) BDC_PLANE_BLOCK(T, V, 8)                                        \
        if (np - o0 >= 4) BDC_PLANE_BLOCK(T, V, 4)                                           \
        if (np - o0 >= 2) BDC_PLANE_BLOCK(T, V, 2)                                           \
        if (np - o0 >= 1) BDC_PLANE_BLOCK(T, V, 1)                                           \
        return o0;                                                                           \
    }

/* Grad-weight sums of np <= 2 planes and nq <= 6 taps, 8 columns at a time:
 * acc[(p*nq + q)*8 + k] += sum over samples s < ns, rows i < nr and columns j < n8 (a
 * multiple of 8) with j % 8 == k, in that order, of g[p*gp + s*gn + i*gs + j] *
 * x[xo[q] + s*xn + i*xs + j].  The np*nq sums stay in registers (each g and x chunk loaded
 * once per row for all of them); returns the columns done per row (n8). */
#define BDC_GW_BLOCK(T, V, P, Q)                                                             \
    {                                                                                        \
        V s[P][Q], u[P], v;                                                                  \
        const T *xq[Q];                                                                      \
        for (q = 0; q < Q; q++) xq[q] = x + xo[q];                                           \
        for (p = 0; p < P; p++)                                                              \
            for (q = 0; q < Q; q++) memcpy(&s[p][q], acc + (p * Q + q) * 8, sizeof v);       \
        for (n = 0; n < ns; n++)                                                             \
            for (i = 0; i < nr; i++) {                                                       \
                const T *gr = g + n * gn + i * gs;                                           \
                ptrdiff_t xr = n * xn + i * xs;                                              \
                for (j = 0; j < n8; j += 8) {                                                \
                    for (p = 0; p < P; p++) memcpy(&u[p], gr + p * gp + j, sizeof v);        \
                    for (q = 0; q < Q; q++) {                                                \
                        memcpy(&v, xq[q] + xr + j, sizeof v);                                \
                        for (p = 0; p < P; p++) s[p][q] += u[p] * v;                         \
                    }                                                                        \
                }                                                                            \
            }                                                                                \
        for (p = 0; p < P; p++)                                                              \
            for (q = 0; q < Q; q++) memcpy(acc + (p * Q + q) * 8, &s[p][q], sizeof v);       \
        return n8;                                                                           \
    }
/* the tiles of P planes: 1 to 6 taps */
#define BDC_GW_CASES(T, V, P)                                                                \
    case P * 8 + 1: BDC_GW_BLOCK(T, V, P, 1)                                                 \
    case P * 8 + 2: BDC_GW_BLOCK(T, V, P, 2)                                                 \
    case P * 8 + 3: BDC_GW_BLOCK(T, V, P, 3)                                                 \
    case P * 8 + 4: BDC_GW_BLOCK(T, V, P, 4)                                                 \
    case P * 8 + 5: BDC_GW_BLOCK(T, V, P, 5)                                                 \
    case P * 8 + 6: BDC_GW_BLOCK(T, V, P, 6)
#define BDC_GW(SUF, T, V)                                                                    \
    BDC_INLINE ptrdiff_t bdc_gw_##SUF##_body(                                                \
        const T *g, ptrdiff_t gp, ptrdiff_t gs, ptrdiff_t gn, const T *x,                    \
        const ptrdiff_t *xo, ptrdiff_t xs, ptrdiff_t xn, ptrdiff_t ns, ptrdiff_t nr,         \
        ptrdiff_t n8, ptrdiff_t np, ptrdiff_t nq, T *acc)                                    \
    {                                                                                        \
        ptrdiff_t n, i, j, p, q;                                                             \
        switch (np * 8 + nq) {                                                               \
            BDC_GW_CASES(T, V, 1)                                                            \
            BDC_GW_CASES(T, V, 2)                                                            \
        }                                                                                    \
        return 0;                                                                            \
    }

/* Grad-input with samples in the lanes: for every input position (ih, iw), h < H, w < W,
 * and NC input planes c at once, lane k of the sum over the valid taps a (output row r =
 * ih + pt - a, r % sh == 0, 0 <= r / sh < oh), b (the same for columns), in increasing
 * order, then planes o < og of wt[((a*kw + b)*og + o)*NC + c] * gt[((r/sh*ow + s/sw)*og +
 * o)*8 + k], stored to dst[k*dn + c*dc + ih*dh + iw*dw] for lanes k < nk.  Every product
 * sums a real tap: no zero padding.  NC <= 8 planes' chains run at once. */
#define BDC_GIN_BLOCK(T, V, NC)                                                              \
    {                                                                                        \
        V s[NC], u;                                                                          \
        T out[8];                                                                            \
        for (ih = 0; ih < H; ih++)                                                           \
            for (iw = 0; iw < W; iw++) {                                                     \
                ptrdiff_t ry = ih + pt, rx = iw + pl, a0, b0, a1, b1;                        \
                a0 = ry - (oh - 1) * sh; if (a0 < 0) a0 = 0;                                 \
                a0 += ((ry - a0) % sh + sh) % sh;                                            \
                a1 = ry < kh - 1 ? ry : kh - 1;                                              \
                b0 = rx - (ow - 1) * sw; if (b0 < 0) b0 = 0;                                 \
                b0 += ((rx - b0) % sw + sw) % sw;                                            \
                b1 = rx < kw - 1 ? rx : kw - 1;                                              \
                for (c = 0; c < NC; c++) memset(&s[c], 0, sizeof u);                         \
                for (a = a0; a <= a1; a += sh)                                               \
                    for (b = b0; b <= b1; b += sw) {                                         \
                        const T *gp = gt + (((ry - a) / sh * ow + (rx - b) / sw) * og) * 8;  \
                        const T *wp = wt + (a * kw + b) * og * NC;                           \
                        for (o = 0; o < og; o++) {                                           \
                            memcpy(&u, gp + o * 8, sizeof u);                                \
                            for (c = 0; c < NC; c++) s[c] += wp[o * NC + c] * u;             \
                        }                                                                    \
                    }                                                                        \
                for (c = 0; c < NC; c++) {                                                   \
                    memcpy(out, &s[c], sizeof u);                                            \
                    for (k = 0; k < nk; k++) dst[k * dn + c * dc + ih * dh + iw * dw] = out[k]; \
                }                                                                            \
            }                                                                                \
        return 1;                                                                            \
    }
#define BDC_GIN(SUF, T, V)                                                                   \
    BDC_INLINE int bdc_gin_##SUF##_body(                                                     \
        const T *gt, const T *wt, ptrdiff_t nc, ptrdiff_t og, ptrdiff_t oh, ptrdiff_t ow,    \
        ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw,    \
        ptrdiff_t pt, ptrdiff_t pl, T *dst, ptrdiff_t dn, ptrdiff_t dc, ptrdiff_t dh,        \
        ptrdiff_t dw, ptrdiff_t nk)                                                          \
    {                                                                                        \
        ptrdiff_t ih, iw, a, b, o, c, k;                                                     \
        switch (nc) {                                                                        \
        case 1: BDC_GIN_BLOCK(T, V, 1)                                                       \
        case 2: BDC_GIN_BLOCK(T, V, 2)                                                       \
        case 3: BDC_GIN_BLOCK(T, V, 3)                                                       \
        case 4: BDC_GIN_BLOCK(T, V, 4)                                                       \
        case 5: BDC_GIN_BLOCK(T, V, 5)                                                       \
        case 6: BDC_GIN_BLOCK(T, V, 6)                                                       \
        case 7: BDC_GIN_BLOCK(T, V, 7)                                                       \
        case 8: BDC_GIN_BLOCK(T, V, 8)                                                       \
        }                                                                                    \
        return 0;                                                                            \
    }

#if BDC_VECTORS
BDC_TAPS(f32, float, bdc_v8f)
BDC_TAPS(f64, double, bdc_v8d)
BDC_PLANES(f32, float, bdc_v8f)
BDC_PLANES(f64, double, bdc_v8d)
BDC_GW(f32, float, bdc_v8f)
BDC_GW(f64, double, bdc_v8d)
BDC_GIN(f32, float, bdc_v8f)
BDC_GIN(f64, double, bdc_v8d)
#else
/* no vector extensions: nothing done here, the callers' scalar loops do it all */
#define BDC_NONE(SUF, T)                                                                     \
    BDC_INLINE ptrdiff_t bdc_taps_##SUF##_body(                                              \
        const T *xb, ptrdiff_t cs, ptrdiff_t rs, const T *wo, ptrdiff_t wc, ptrdiff_t wa,    \
        ptrdiff_t wb, ptrdiff_t nc, ptrdiff_t kh, ptrdiff_t kw, int flip, T b0, T *dst,      \
        ptrdiff_t n)                                                                         \
    { return 0; }                                                                            \
    BDC_INLINE ptrdiff_t bdc_planes_##SUF##_body(                                            \
        const T *xb, ptrdiff_t cs, ptrdiff_t rs, const T *wo, ptrdiff_t os, ptrdiff_t wc,    \
        ptrdiff_t wa, ptrdiff_t wb, ptrdiff_t nc, ptrdiff_t kh, ptrdiff_t kw,                \
        const T *bias, T *dst, ptrdiff_t ds, ptrdiff_t np)                                   \
    { return 0; }                                                                            \
    BDC_INLINE ptrdiff_t bdc_gw_##SUF##_body(                                                \
        const T *g, ptrdiff_t gp, ptrdiff_t gs, ptrdiff_t gn, const T *x,                    \
        const ptrdiff_t *xo, ptrdiff_t xs, ptrdiff_t xn, ptrdiff_t ns, ptrdiff_t nr,         \
        ptrdiff_t n8, ptrdiff_t np, ptrdiff_t nq, T *acc)                                    \
    { return 0; }                                                                            \
    BDC_INLINE int bdc_gin_##SUF##_body(                                                     \
        const T *gt, const T *wt, ptrdiff_t nc, ptrdiff_t og, ptrdiff_t oh, ptrdiff_t ow,    \
        ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw,    \
        ptrdiff_t pt, ptrdiff_t pl, T *dst, ptrdiff_t dn, ptrdiff_t dc, ptrdiff_t dh,        \
        ptrdiff_t dw, ptrdiff_t nk)                                                          \
    { return 0; }
BDC_NONE(f32, float)
BDC_NONE(f64, double)
#endif

/* d[j] = s[j], j < n, for the short rows of the convolution kernels: 8, 4, 2 and 1 value
 * moves of fixed size, which the compiler inlines (a libc memcpy call costs more than such a
 * row, and a plain copy loop would be turned into one). */
#define BDC_COPY(SUF, T)                                                                     \
    static inline void bdc_copy_##SUF(T *d, const T *s, ptrdiff_t n)                         \
    {                                                                                        \
        ptrdiff_t j = 0;                                                                     \
        for (; j + 8 <= n; j += 8) memcpy(d + j, s + j, 8 * sizeof(T));                      \
        if (j + 4 <= n) { memcpy(d + j, s + j, 4 * sizeof(T)); j += 4; }                     \
        if (j + 2 <= n) { memcpy(d + j, s + j, 2 * sizeof(T)); j += 2; }                     \
        if (j < n) d[j] = s[j];                                                              \
    }
/* p[j] += s[j], j < n: the same adds, 8 at a time in a vector where the row allows (col2im's
 * short rows, where a compiled loop's set-up costs more than the row) */
#define BDC_ADD_ROW(SUF, T, V)                                                               \
    static inline void bdc_add_row_##SUF(T *p, const T *s, ptrdiff_t n)                      \
    {                                                                                        \
        ptrdiff_t j = 0;                                                                     \
        V a, b;                                                                              \
        for (; j + 8 <= n; j += 8) {                                                         \
            memcpy(&a, p + j, sizeof a);                                                     \
            memcpy(&b, s + j, sizeof b);                                                     \
            a += b;                                                                          \
            memcpy(p + j, &a, sizeof a);                                                     \
        }                                                                                    \
        for (; j < n; j++) p[j] += s[j];                                                     \
    }
BDC_COPY(f32, float)
BDC_COPY(f64, double)
#if BDC_VECTORS
BDC_ADD_ROW(f32, float, bdc_v8f)
BDC_ADD_ROW(f64, double, bdc_v8d)
#else
static inline void bdc_add_row_f32(float *p, const float *s, ptrdiff_t n)
{ ptrdiff_t j; for (j = 0; j < n; j++) p[j] += s[j]; }
static inline void bdc_add_row_f64(double *p, const double *s, ptrdiff_t n)
{ ptrdiff_t j; for (j = 0; j < n; j++) p[j] += s[j]; }
#endif

/* the entry points: AVX2 build or baseline */
#if BIGDL_X86_AVX2
#define BDC_DISPATCH(NAME, RET, PARAMS, ARGS)                                                \
    static RET NAME##_base PARAMS { return NAME##_body ARGS; }                               \
    BIGDL_AVX2_FN static RET NAME##_avx2 PARAMS { return NAME##_body ARGS; }                 \
    static inline RET NAME PARAMS { return bigdl_simd_avx2() ? NAME##_avx2 ARGS : NAME##_base ARGS; }
#else
#define BDC_DISPATCH(NAME, RET, PARAMS, ARGS)                                                \
    static inline RET NAME PARAMS { return NAME##_body ARGS; }
#endif

#define BDC_TAPS_PARAMS(T)                                                                   \
    (const T *xb, ptrdiff_t cs, ptrdiff_t rs, const T *wo, ptrdiff_t wc, ptrdiff_t wa,       \
     ptrdiff_t wb, ptrdiff_t nc, ptrdiff_t kh, ptrdiff_t kw, int flip, T b0, T *dst,         \
     ptrdiff_t n)
#define BDC_TAPS_ARGS (xb, cs, rs, wo, wc, wa, wb, nc, kh, kw, flip, b0, dst, n)
#define BDC_PLANES_PARAMS(T)                                                                 \
    (const T *xb, ptrdiff_t cs, ptrdiff_t rs, const T *wo, ptrdiff_t os, ptrdiff_t wc,       \
     ptrdiff_t wa, ptrdiff_t wb, ptrdiff_t nc, ptrdiff_t kh, ptrdiff_t kw, const T *bias,    \
     T *dst, ptrdiff_t ds, ptrdiff_t np)
#define BDC_PLANES_ARGS (xb, cs, rs, wo, os, wc, wa, wb, nc, kh, kw, bias, dst, ds, np)
#define BDC_GW_PARAMS(T)                                                                     \
    (const T *g, ptrdiff_t gp, ptrdiff_t gs, ptrdiff_t gn, const T *x, const ptrdiff_t *xo,  \
     ptrdiff_t xs, ptrdiff_t xn, ptrdiff_t ns, ptrdiff_t nr, ptrdiff_t n8, ptrdiff_t np,     \
     ptrdiff_t nq, T *acc)
#define BDC_GW_ARGS (g, gp, gs, gn, x, xo, xs, xn, ns, nr, n8, np, nq, acc)
#define BDC_GIN_PARAMS(T)                                                                    \
    (const T *gt, const T *wt, ptrdiff_t nc, ptrdiff_t og, ptrdiff_t oh, ptrdiff_t ow,       \
     ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw,       \
     ptrdiff_t pt, ptrdiff_t pl, T *dst, ptrdiff_t dn, ptrdiff_t dc, ptrdiff_t dh,           \
     ptrdiff_t dw, ptrdiff_t nk)
#define BDC_GIN_ARGS                                                                         \
    (gt, wt, nc, og, oh, ow, H, W, kh, kw, sh, sw, pt, pl, dst, dn, dc, dh, dw, nk)

BDC_DISPATCH(bdc_taps_f32, ptrdiff_t, BDC_TAPS_PARAMS(float), BDC_TAPS_ARGS)
BDC_DISPATCH(bdc_taps_f64, ptrdiff_t, BDC_TAPS_PARAMS(double), BDC_TAPS_ARGS)
BDC_DISPATCH(bdc_planes_f32, ptrdiff_t, BDC_PLANES_PARAMS(float), BDC_PLANES_ARGS)
BDC_DISPATCH(bdc_planes_f64, ptrdiff_t, BDC_PLANES_PARAMS(double), BDC_PLANES_ARGS)
BDC_DISPATCH(bdc_gw_f32, ptrdiff_t, BDC_GW_PARAMS(float), BDC_GW_ARGS)
BDC_DISPATCH(bdc_gw_f64, ptrdiff_t, BDC_GW_PARAMS(double), BDC_GW_ARGS)
BDC_DISPATCH(bdc_gin_f32, int, BDC_GIN_PARAMS(float), BDC_GIN_ARGS)
BDC_DISPATCH(bdc_gin_f64, int, BDC_GIN_PARAMS(double), BDC_GIN_ARGS)

#endif /* BIGDL_CONV_H */
