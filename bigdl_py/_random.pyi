"""Random fills: stateless Philox4x32-10 (parallel) and BigDL MT19937 conversions (serial)."""
import numpy as np
import numpy.typing as npt

_FloatArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Raw = npt.NDArray[np.uint64]

def philox4x32_10(counter: tuple[int, int, int, int] | list[int],
                  key: tuple[int, int] | list[int]) -> tuple[int, int, int, int]:
    """The raw block function: 4 uint32 counter words and 2 key words -> 4 uint32."""

KINDS: tuple[str, str, str]  # ("uniform", "normal", "bernoulli")

def fill(kind: str, out: _FloatArray, a: float, b: float, key: int, offset: int,
         n_threads: int) -> None:
    """Fill a flat contiguous ``out`` from the Philox stream (key, offset): "uniform"
    U[a, b), "normal" N(a, b**2) (Box-Muller, never log(0)), "bernoulli" 1 with
    probability a, else 0."""

def mt_fill(kind: str, out: _FloatArray, src: _Raw | npt.NDArray[np.float64], a: float,
            b: float) -> None:
    """BigDL's conversions of MT19937 draws, in double (u = raw * 2**-32): "uniform"
    u * (b - a) + a from uint64 raw draws, "bernoulli" 1 when u <= a, "normal" z * b + a
    from float64 normals."""

def mt_box_muller(out: npt.NDArray[np.float64], raw: _Raw) -> None:
    """Standard normals in BigDL's Box-Muller order from raw pairs (X, Y)."""

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
