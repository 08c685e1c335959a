# The #ifdef _OPENMP shim: one source builds with or without OpenMP.
cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define BIGDL_OPENMP 1
    #else
    #define BIGDL_OPENMP 0
    static inline int omp_get_max_threads(void) { return 1; }
    static inline int omp_get_thread_num(void) { return 0; }
    #endif
    """
    const int BIGDL_OPENMP
    int omp_get_max_threads() nogil
    int omp_get_thread_num() nogil
