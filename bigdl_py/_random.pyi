"""Random fills: stateless Philox4x32-10 (parallel) and BigDL MT19937 conversions (serial)."""
import numpy as np
import numpy.typing as npt

_FloatArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Raw = npt.NDArray[np.uint64]

def philox4x32_10(counter: tuple[int, int, int, int] | list[int],
                  key: tuple[int, int] | list[int]) -> tuple[int, int, int, int]:
    """The raw block function: 4 uint32 counter words and 2 key words -> 4 uint32."""

def uniform(out: _FloatArray, lo: float, hi: float, key: int, offset: int,
            n_threads: int) -> None:
    """Fill a flat contiguous ``out`` with U[lo, hi) from the Philox stream (key, offset)."""

def normal(out: _FloatArray, mean: float, std: float, key: int, offset: int,
           n_threads: int) -> None:
    """Fill a flat contiguous ``out`` with N(mean, std**2) (Box-Muller, never log(0))."""

def bernoulli(out: _FloatArray, p: float, key: int, offset: int, n_threads: int) -> None:
    """Fill a flat contiguous ``out`` with 1 (probability p) or 0."""

def mt_uniform(out: _FloatArray, raw: _Raw, lo: float, hi: float) -> None:
    """out[i] = (T)((raw[i] * 2**-32) * (hi - lo) + lo), in double as BigDL does."""

def mt_bernoulli(out: _FloatArray, raw: _Raw, p: float) -> None:
    """out[i] = 1 when raw[i] * 2**-32 <= p (BigDL's ``<=``), else 0."""

def mt_box_muller(out: npt.NDArray[np.float64], raw: _Raw) -> None:
    """Standard normals in BigDL's Box-Muller order from raw pairs (X, Y)."""

def mt_affine(out: _FloatArray, z: npt.NDArray[np.float64], mean: float, std: float) -> None:
    """out[i] = (T)(z[i] * std + mean), in double as BigDL's ``normal(mean, std)``."""

def _set_simd(on: bool) -> bool:
    """Allow or forbid the AVX2 path of the fills; returns whether it is used now."""

def _words(out: npt.NDArray[np.uint32], start: int, key: int, offset: int) -> None:
    """Raw Philox words: out[j] = word (start + j) % 4 of block (start + j) // 4."""

def _fill_chunked(kind: str, out: _FloatArray, chunk: int, a: float, b: float, key: int,
                 offset: int) -> None:
    """Test helper: a fill made serially in chunks; must equal the one-call fill."""

def _fill_blocks(kind: str, out: _FloatArray, a: float, b: float, key: int,
                offset: int) -> None:
    """Test helper: a fill made with the one-block functions; must equal the fills."""

def _gauss_pairs(w: npt.NDArray[np.uint32], out: _FloatArray) -> None:
    """Test helper: standard normal pairs from raw words, as the normal fill makes them."""
