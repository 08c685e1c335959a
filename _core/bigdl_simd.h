/* The one run-time SIMD decision of every kernel header (bigdl_philox.h and the Philox
 * fills, dropout and noise built on it; bigdl_conv.h's direct convolution loops;
 * bigdl_pool.h's channels-last max pooling).
 *
 * BIGDL_X86_AVX2 guards the AVX2 code: 1 on x86-64 with GCC or Clang unless the build
 * defines BIGDL_NO_AVX2 (then the AVX2 code is left out).  bigdl_simd_avx2() says whether
 * it runs: 1 when the CPU has AVX2 and the environment variable BIGDL_NO_AVX2 is unset,
 * empty or "0".  The answer is decided on first use (relaxed atomics, so a first use inside
 * a parallel loop is harmless: all threads store the same value); every module calls it at
 * import to settle it there.  The AVX2 and baseline code give the same bits everywhere.
 *
 * One copy of the decision per extension module that includes this header: each such
 * module exposes bigdl_simd_set as ``_set_simd``, and ``bigdl_py._testing.set_simd`` sets
 * them all, so the tests can compare the two paths. */
#ifndef BIGDL_SIMD_H
#define BIGDL_SIMD_H
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(BIGDL_NO_AVX2)
#define BIGDL_X86_AVX2 1
#include <immintrin.h>
#define BIGDL_AVX2_FN __attribute__((target("avx2")))
#else
#define BIGDL_X86_AVX2 0
#endif
#if defined(__GNUC__) || defined(__clang__)
#define BIGDL_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define BIGDL_ALWAYS_INLINE inline
#endif

/* 1: AVX2 code in use; 0: baseline; -1: not decided yet */
#if BIGDL_X86_AVX2
static int bigdl_simd_level = -1;
#endif

static inline int bigdl_simd_avx2(void)
{
#if BIGDL_X86_AVX2
    int level = __atomic_load_n(&bigdl_simd_level, __ATOMIC_RELAXED);
    if (level < 0) {
        const char *off = getenv("BIGDL_NO_AVX2");
        __builtin_cpu_init();
        level = __builtin_cpu_supports("avx2") && !(off && *off && strcmp(off, "0")) ? 1 : 0;
        __atomic_store_n(&bigdl_simd_level, level, __ATOMIC_RELAXED);
    }
    return level;
#else
    return 0;
#endif
}

/* Force the baseline path (on = 0) or allow AVX2 when the CPU has it (on = 1); returns
 * whether AVX2 is now used.  For tests and benchmarks, between kernel calls. */
static inline int bigdl_simd_set(int on)
{
#if BIGDL_X86_AVX2
    __atomic_store_n(&bigdl_simd_level, -1, __ATOMIC_RELAXED);
    if (bigdl_simd_avx2() && !on) __atomic_store_n(&bigdl_simd_level, 0, __ATOMIC_RELAXED);
#endif
    return bigdl_simd_avx2();
}

#endif /* BIGDL_SIMD_H */
