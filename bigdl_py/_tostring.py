"""Java-compatible number formatting and BigDL ``DenseTensor.toString`` layout.

Pure Python + numpy.  Mirrors ``Float.toString`` / ``Double.toString`` of
JDK 19+ (shortest round-tripping decimal) and the text layout produced by
BigDL's ``DenseTensor.toString`` (including its folding of large tensors).
"""
import math

import numpy as np

__all__ = ["java_float_str", "java_double_str", "tensor_to_string"]

_FOLD = 1000  # BigDL's default ``bigdl.tensor.fold`` threshold
_DOTS = "...\n\n"  # marker BigDL emits while skipping slices of >= 4-D tensors


def _sci_digits(x, **kw):
    """Return (digits, exponent) of ``x`` = d.ddd * 10**exponent, x > 0."""
    mant, exp = np.format_float_scientific(x, trim="-", **kw).split("e")
    return mant.replace(".", "").rstrip("0") or "0", int(exp)


def _java_str(x, ftype):
    x = ftype(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "-Infinity" if x < 0 else "Infinity"
    if x == 0:
        return "-0.0" if np.signbit(x) else "0.0"
    sign, x = ("-" if x < 0 else ""), abs(x)
    digits, e = _sci_digits(x, unique=True)
    if len(digits) == 1:
        # Java: when one digit suffices, pick the closest decimal of length <= 2.
        d2, e2 = _sci_digits(x, unique=False, precision=1)
        if len(d2) == 2 and ftype(float(f"{d2[0]}.{d2[1]}e{e2}")) == x:
            digits, e = d2, e2
    if -3 <= e < 7:
        if e >= 0:
            digits = digits.ljust(e + 1, "0")
            return f"{sign}{digits[:e + 1]}.{digits[e + 1:] or '0'}"
        return f"{sign}0.{'0' * (-e - 1)}{digits}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{e}"


def java_float_str(x):
    """Format a float32 value like Java's ``Float.toString``.

    Parameters
    ----------
    x : float
        Value; it is first rounded to ``np.float32``.

    Returns
    -------
    str
        E.g. ``"1.0"``, ``"0.33333334"``, ``"1.0E-4"``, ``"NaN"``.
    """
    return _java_str(x, np.float32)


def java_double_str(x):
    """Format a float64 value like Java's ``Double.toString``.

    Parameters
    ----------
    x : float
        Value, taken as ``np.float64``.

    Returns
    -------
    str
        E.g. ``"0.1"``, ``"0.3333333333333333"``, ``"1.0E21"``.
    """
    return _java_str(x, np.float64)


def _matrix(m, fmt, fold):
    """BigDL layout of the 2-D array ``m`` (folded when ``fold``)."""
    rows, cols = m.shape
    ri, ci, sep = range(rows), range(cols), ["\t"] * cols
    if fold:  # 1-based i <= 3 or i > rows-3; j < 3 or j > cols-3; j == 3 gets "..."
        ri = [i for i in ri if i < 3 or i >= rows - 3]
        ci = [j for j in ci if j < 2 or j >= cols - 3 or j == 2]
        sep = ["\t" if j != 2 or j >= cols - 3 else "\t...\t" for j in ci]
    sub = m[np.ix_(ri, ci)]
    lines = []
    for i, row in zip(ri, sub):
        lines.append("".join(fmt(v) + s for v, s in zip(row, sep)) + "\n")
        if fold and i == 2:
            lines.append("...\n")
    return "".join(lines)


def _nd(a, fmt):
    """BigDL layout of an array with ``ndim >= 3``."""
    s, lead, out = a.ndim - 2, a.shape[:-2], []
    fold_mat = a.shape[-2] * a.shape[-1] >= _FOLD

    def emit(idx):
        out.append("(" + "".join(f"{i + 1}," for i in idx) + ".,.) =\n")
        out.append(_matrix(a[idx], fmt, fold_mat) + "\n")

    def walk(k, prefix, pending):
        # ``pending``: "...\n\n" markers BigDL's (quirky) skip check emits for
        # each slice below this prefix: one per leading axis j >= 1 whose
        # 1-based index equals size-1 (with all earlier indices printable).
        if k == s:
            first = not out and a.shape[-2] == 2  # check reads the row index (1)
            out.append(_DOTS * (pending + first))
            return emit(prefix)
        n = lead[k]
        for v in range(1, n + 1):
            if 2 < v <= n - 2:  # unprinted block: emit only the prefix markers
                if v == 3:
                    out.append(_DOTS * (pending * (n - 4) * math.prod(lead[k + 1:])))
                continue
            walk(k + 1, prefix + (v - 1,), pending + (k >= 1 and v == n - 1))

    if a.size > _FOLD:
        walk(0, (), 0)
    else:
        for idx in np.ndindex(*lead):
            emit(idx)
    return "".join(out)


def tensor_to_string(a):
    """Render an array like BigDL's ``DenseTensor.toString``.

    Parameters
    ----------
    a : numpy.ndarray
        Array of dtype float32 or float64 (any number of dimensions).

    Returns
    -------
    str
        The BigDL body followed by ``[bigdl_py.Tensor[<dtype>] of size AxB]``.
        Only printed elements are formatted, so huge arrays are cheap.
    """
    a = np.asarray(a)
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(f"tensor_to_string: expected a float32 or float64 array, got dtype "
                        f"{a.dtype}")
    fmt = java_float_str if a.dtype == np.float32 else java_double_str
    cache = {}

    def cfmt(v):  # memoised per call (keyed by bits, so -0.0 and NaN are safe)
        k = v.tobytes()
        return cache[k] if k in cache else cache.setdefault(k, fmt(v))

    trailer = f"[bigdl_py.Tensor[{a.dtype.name}] of size {'x'.join(map(str, a.shape))}]"
    if a.ndim == 0:
        return f"Scalar({cfmt(a[()])})\n{trailer}"
    if a.size == 0:
        return f"Empty Tensor\n{trailer}"
    if a.ndim == 1:
        n = a.shape[0]
        if n < _FOLD:
            return "".join(cfmt(v) + "\n" for v in a) + trailer
        head = "".join(cfmt(v) + "\n" for v in a[:3])
        return head + "...\n" + "".join(cfmt(v) + "\n" for v in a[-3:]) + trailer
    if a.ndim == 2:
        return _matrix(a, cfmt, a.size >= _FOLD) + trailer
    return _nd(a, cfmt) + trailer
