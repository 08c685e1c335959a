/* Vector loop of max pooling (maxpool.pxd): four outputs of an output row at a time, each
 * window's maximum kept in registers over the window positions in row-major order.
 *
 * The running maximum m takes v where v > m, or where v is NaN and m is not (the first
 * maximum wins; NaN propagates and the first NaN stays) -- the scalar rule of maxpool.pxd,
 * as lane masks, so the results and positions are the same bits.  Four-lane GCC/Clang
 * vector extensions (one SSE register for float on any x86-64); other compilers do nothing
 * here and the callers' scalar loops do it all. */
#ifndef BIGDL_POOL_H
#define BIGDL_POOL_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
typedef float bdp_v4f __attribute__((vector_size(16)));
typedef int32_t bdp_v4i __attribute__((vector_size(16)));
typedef double bdp_v4d __attribute__((vector_size(32)));
typedef int64_t bdp_v4l __attribute__((vector_size(32)));
#if defined(__clang__)
#define BDP_EVENS(a, b, M) __builtin_shufflevector(a, b, 0, 2, 5, 7)
#else
#define BDP_EVENS(a, b, M) __builtin_shuffle(a, b, (M){0, 2, 5, 7})
#endif

/* v = x[p + k*sw], k < 4 (sw 1 or 2), reading only x[p .. p + 3*sw] */
#define BDP_LOAD(v, p, M)                                                                     \
    do {                                                                                     \
        if (sw == 1) {                                                                       \
            memcpy(&v, p, sizeof v);                                                         \
        } else {                                                                             \
            memcpy(&a, p, sizeof a);                                                         \
            memcpy(&c, (p) + 3, sizeof c);                                                   \
            v = BDP_EVENS(a, c, M);                                                          \
        }                                                                                    \
    } while (0)

/* y[j], idx[j] for j0 <= j < j1 stepping by 4 while j + 4 <= j1: the maximum over rows
 * h0..h1 and window columns b < kw of x[h*W + c0 + b + j*sw] (sw 1 or 2; the windows lie
 * inside the input) and its position.  Reads only elements of those windows.  Returns the
 * outputs done (j1 - j0 rounded down to 4). */
#define BDP_MAX_ROW(SUF, T, V, M, I)                                                          \
    static inline ptrdiff_t bdp_max_row_##SUF(const T *x, ptrdiff_t W, T *y, int32_t *idx,  \
                                              ptrdiff_t h0, ptrdiff_t h1, ptrdiff_t c0,      \
                                              ptrdiff_t kw, ptrdiff_t sw, ptrdiff_t j0,      \
                                              ptrdiff_t j1)                                  \
    {                                                                                        \
        ptrdiff_t j, h, b, k;                                                                \
        V m, v, a, c;                                                                        \
        M id, pos, take, lane = {0, 1, 2, 3};                                                \
        if (sw != 1 && sw != 2) return 0;                                                    \
        lane *= (I)sw;                                                                       \
        for (j = j0; j + 4 <= j1; j += 4) {                                                  \
            pos = lane + (I)(h0 * W + c0 + j * sw);                                          \
            id = pos;                                                                        \
            BDP_LOAD(m, x + h0 * W + c0 + j * sw, M);                                         \
            for (h = h0; h < h1; h++, pos += (I)(W - kw))                                    \
                for (b = 0; b < kw; b++, pos += 1) {                                         \
                    BDP_LOAD(v, x + h * W + c0 + b + j * sw, M);                              \
                    /* v > m, or v NaN and m not: not (v <= m), and m a number; the */       \
                    /* first position compared with itself changes nothing */                \
                    take = ~(M)(v <= m) & (M)(m == m);                                       \
                    m = (V)(((M)v & take) | ((M)m & ~take));                                 \
                    id = (pos & take) | (id & ~take);                                        \
                }                                                                            \
            memcpy(y + j, &m, sizeof m);                                                     \
            if (sizeof(I) == sizeof(int32_t))                                                \
                memcpy(idx + j, &id, sizeof id);                                             \
            else                                                                             \
                for (k = 0; k < 4; k++) idx[j + k] = (int32_t)id[k];                         \
        }                                                                                    \
        return j - j0;                                                                       \
    }
BDP_MAX_ROW(f32, float, bdp_v4f, bdp_v4i, int32_t)
BDP_MAX_ROW(f64, double, bdp_v4d, bdp_v4l, int64_t)

#else
static inline ptrdiff_t bdp_max_row_f32(const float *x, ptrdiff_t W, float *y, int32_t *idx,
                                        ptrdiff_t h0, ptrdiff_t h1, ptrdiff_t c0, ptrdiff_t kw,
                                        ptrdiff_t sw, ptrdiff_t j0, ptrdiff_t j1)
{ return 0; }
static inline ptrdiff_t bdp_max_row_f64(const double *x, ptrdiff_t W, double *y, int32_t *idx,
                                        ptrdiff_t h0, ptrdiff_t h1, ptrdiff_t c0, ptrdiff_t kw,
                                        ptrdiff_t sw, ptrdiff_t j0, ptrdiff_t j1)
{ return 0; }
#endif

#endif /* BIGDL_POOL_H */
