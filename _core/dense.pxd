# Inline helpers of the Linear/NIN kernels (_linear.pyx).  Thread-private scratch (the
# column-sum accumulators) lives in these inline functions, never in a prange function.
from cython cimport floating

cdef enum:
    COL_BLOCK = 256   # columns per column-sum task (its accumulators live on the stack)
    ROW_CHUNK = 64    # rows summed in the data type before adding into double


cdef inline void add_vec(floating *out, const floating *b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        out[j] += b[j]


cdef inline void add_const(floating *out, floating v, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        out[j] += v


cdef inline void add_untied_row(floating *out, const floating *b, Py_ssize_t S,
                                Py_ssize_t O) noexcept nogil:
    # out is one sample (S, O); b is (O, S): out[s, o] += b[o, s]
    cdef Py_ssize_t s, o
    for s in range(S):
        for o in range(O):
            out[s * O + o] += b[o * S + s]


cdef inline double sum8(const floating *p, Py_ssize_t n) noexcept nogil:
    # eight independent double accumulators: no latency chain, exact enough for float32
    cdef double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
    cdef Py_ssize_t i = 0
    while i + 8 <= n:
        a0 += p[i]
        a1 += p[i + 1]
        a2 += p[i + 2]
        a3 += p[i + 3]
        a4 += p[i + 4]
        a5 += p[i + 5]
        a6 += p[i + 6]
        a7 += p[i + 7]
        i += 8
    while i < n:
        a0 += p[i]
        i += 1
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))


cdef inline void colsum_block(const floating *g, Py_ssize_t R, Py_ssize_t C, Py_ssize_t j0,
                              Py_ssize_t j1, floating *acc, double scale,
                              Py_ssize_t S) noexcept nogil:
    # acc[col(j)] += scale * sum_r g[r, j] for j in [j0, j1); col(s*O + o) = o*S + s.
    # Runs of ROW_CHUNK rows are summed in the data type (vectorised), runs into doubles.
    cdef floating t[COL_BLOCK]
    cdef double s[COL_BLOCK]
    cdef Py_ssize_t r, r0, j, w = j1 - j0, O = C // S
    cdef const floating *row
    for j in range(w):
        s[j] = 0
    r0 = 0
    while r0 < R:
        for j in range(w):
            t[j] = 0
        for r in range(r0, min(r0 + ROW_CHUNK, R)):
            row = g + r * C + j0
            for j in range(w):
                t[j] += row[j]
        for j in range(w):
            s[j] += t[j]
        r0 += ROW_CHUNK
    if S == 1:
        for j in range(w):
            acc[j0 + j] += <floating>(scale * s[j])
    else:
        for j in range(w):
            acc[((j0 + j) % O) * S + (j0 + j) // O] += <floating>(scale * s[j])


cdef inline floating sign(floating v) noexcept nogil:
    return <floating>((v > 0) - (v < 0))
