# The one thread policy of _core, and the switch that holds the BLAS behind rowgemm.pxd to
# bigdl_py's thread budget (bigdl_py.set_num_threads).
#
# - team(work, par_min, n_threads): the thread count of a parallel pass over `work`
#   elements: 1 below the kernel's `par_min` (a named constant in each kernel file, with the
#   measurement behind it), else n_threads capped at MAX_THREADS; n_threads < 1 counts as 1
#   (the Python layer validates the budget; kernels never fail over it).
# - blas_enter(n) / blas_leave(old): run the GEMMs between them with at most n BLAS threads
#   (rowgemm.pxd always asks for 1: its GEMMs use this team, not BLAS's pool), then give
#   BLAS back the count it had (the user's own scipy/numpy calls outside bigdl_py keep
#   theirs).  blas_team(n) records the threads of the last GEMM (tests read it);
#   gemm_parts_max() is the most parts rowgemm.pxd cuts a GEMM into.  The BLAS's get/set
#   functions live in ONE block owned by bigdl_py.parallel (found once through
#   threadpoolctl); each extension keeps a pointer to it, fetched by attach_blas() on its
#   first GEMM.  Without a known BLAS, enter and leave are no-ops.
# - in_parallel(): inside an active OpenMP region (a GEMM there runs on its caller's thread).
cdef extern from *:
    """
    #define BIGDL_MAX_THREADS 1024
    typedef struct {
        int (*get)(void);     /* the BLAS's get-threads function, NULL when not controlled */
        void (*set)(int);     /* its set-threads function */
        int seen;             /* BLAS threads in effect inside the last GEMM (tests) */
        int team;             /* threads the last GEMM was split over (tests) */
        int parts;            /* most parts of a split GEMM: the CPU count rounded up to a
                                 power of two (bigdl_py.parallel; tests move it) */
    } bigdl_blas_ctl;
    static bigdl_blas_ctl *bigdl_blas = NULL;   /* per extension: parallel's one block */

    static inline int bigdl_blas_enter(int want) {
        int old;
        if (bigdl_blas == NULL || bigdl_blas->set == NULL) return 0;
        old = bigdl_blas->get();
        if (want > old) want = old;   /* never more than the BLAS's own limit */
        if (want != old) bigdl_blas->set(want);
        bigdl_blas->seen = want;
        return want != old ? old : 0;
    }
    static inline void bigdl_blas_leave(int old) {
        if (old > 0) bigdl_blas->set(old);
    }
    static inline int bigdl_gemm_parts_max(void) {
        return bigdl_blas != NULL && bigdl_blas->parts > 1 ? bigdl_blas->parts : 1;
    }
    static inline void bigdl_blas_team(int n) {
        if (bigdl_blas != NULL) bigdl_blas->team = n;
    }
    #ifdef _OPENMP
    #include <omp.h>
    static inline int bigdl_in_parallel(void) { return omp_in_parallel(); }
    #else
    static inline int bigdl_in_parallel(void) { return 0; }
    #endif
    """
    const int MAX_THREADS "BIGDL_MAX_THREADS"
    ctypedef struct bigdl_blas_ctl:
        int seen
    bigdl_blas_ctl *bigdl_blas
    int blas_enter "bigdl_blas_enter"(int want) noexcept nogil
    void blas_leave "bigdl_blas_leave"(int old) noexcept nogil
    void blas_team "bigdl_blas_team"(int n) noexcept nogil
    int gemm_parts_max "bigdl_gemm_parts_max"() noexcept nogil
    bint in_parallel "bigdl_in_parallel"() noexcept nogil


cdef inline int team(Py_ssize_t work, Py_ssize_t par_min, int n_threads) noexcept nogil:
    if work < par_min or n_threads < 2:
        return 1
    return n_threads if n_threads < MAX_THREADS else MAX_THREADS


cdef inline int attach_blas() except -1:
    # With the GIL, before a GEMM: point this extension at bigdl_py.parallel's BLAS block
    # (its first call finds the BLAS through threadpoolctl).
    global bigdl_blas
    if bigdl_blas == NULL:
        from bigdl_py.parallel import _blas_block
        bigdl_blas = <bigdl_blas_ctl *><size_t>_blas_block()
    return 0
