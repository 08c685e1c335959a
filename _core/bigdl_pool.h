/* Vector loops of max pooling (maxpool.pxd): four outputs of an NCHW output row at a time,
 * or the channels of one NHWC output (float, AVX2), each window's maximum kept in registers
 * over the window positions in row-major order.
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
#include "bigdl_simd.h"

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

/* Channels last (float): one output position, 32 then 8 channels at a time in AVX2
 * registers, each lane's maximum and position kept in registers over the window rows
 * h0..h1 and columns w0..w1 of x (positions of C channels, W a row), the same rule as
 * above (so the same bits as the callers' scalar loop); writes y[c], idx[c] and returns
 * the channels done (a multiple of 8; the caller finishes the rest).  0 without AVX2.
 * 32x56x56x64 3x3/2, 1 thread: 4.3 ms with one chain of 8 channels (compare-and-blend
 * latency), 1.75 ms with four. */
#if BIGDL_X86_AVX2
/* B blocks of 8 channels from c at once: B independent chains of compare-and-blend, so the
 * latency of one chain hides behind the others */
#define BDP_MAX_BLOCKS(B)                                                                     \
    for (; c + 8 * B <= C; c += 8 * B) {                                                     \
        __m256 m[B], im[B], v, take, p;                                                      \
        int k;                                                                               \
        pos = h0 * W + w0;                                                                   \
        p = _mm256_castsi256_ps(_mm256_set1_epi32((int32_t)pos));                            \
        for (k = 0; k < B; k++) {                                                            \
            m[k] = _mm256_loadu_ps(x + pos * C + c + 8 * k);                                 \
            im[k] = p;                                                                       \
        }                                                                                    \
        for (h = h0; h < h1; h++)                                                            \
            for (w = w0; w < w1; w++) {                                                      \
                pos = h * W + w;                                                             \
                p = _mm256_castsi256_ps(_mm256_set1_epi32((int32_t)pos));                    \
                for (k = 0; k < B; k++) {                                                    \
                    v = _mm256_loadu_ps(x + pos * C + c + 8 * k);                            \
                    take = _mm256_or_ps(_mm256_cmp_ps(v, m[k], _CMP_GT_OQ),                  \
                                        _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q),     \
                                                      _mm256_cmp_ps(m[k], m[k], _CMP_ORD_Q))); \
                    m[k] = _mm256_blendv_ps(m[k], v, take);                                  \
                    im[k] = _mm256_blendv_ps(im[k], p, take);                                \
                }                                                                            \
            }                                                                                \
        for (k = 0; k < B; k++) {                                                            \
            _mm256_storeu_ps(y + c + 8 * k, m[k]);                                           \
            _mm256_storeu_si256((__m256i *)(idx + c + 8 * k), _mm256_castps_si256(im[k]));   \
        }                                                                                    \
    }

BIGDL_AVX2_FN static ptrdiff_t bdp_max_channels_avx2(const float *x, ptrdiff_t W, ptrdiff_t C,
                                                    ptrdiff_t h0, ptrdiff_t h1, ptrdiff_t w0,
                                                    ptrdiff_t w1, float *y, int32_t *idx)
{
    ptrdiff_t c = 0, h, w, pos;
    BDP_MAX_BLOCKS(4)
    BDP_MAX_BLOCKS(1)
    return c;
}
#endif

static inline ptrdiff_t bdp_max_channels_f32(const float *x, ptrdiff_t W, ptrdiff_t C,
                                             ptrdiff_t h0, ptrdiff_t h1, ptrdiff_t w0,
                                             ptrdiff_t w1, float *y, int32_t *idx)
{
#if BIGDL_X86_AVX2
    if (bigdl_simd_avx2()) return bdp_max_channels_avx2(x, W, C, h0, h1, w0, w1, y, idx);
#endif
    return 0;
}

#endif /* BIGDL_POOL_H */
