"""SpatialConvolution's Winograd path: which layers take it, its reused scratch, its calls.

3x3 stride-1 convolutions without groups run Winograd F(4x4, 3x3) (``bigdl_py._winograd``)
from ``WINOGRAD_MIN_PLANES`` input and output planes and ``WINOGRAD_MIN_POSITIONS`` output
positions per plane (``bigdl_py._testing.winograd`` forces or forbids it where it applies).
fwd+bwd time Winograd / patches + GEMM, float32, one thread: 28x28, 4 to 128 planes
0.42-0.76, 3 planes 1.2-1.3 and 1 plane 2-4.6 (the direct kernels); 20x20 at 64 planes
0.51-0.57; 14x14 NCHW 1.1-1.5 (rows of 4 tiles are short for the vector loops), NHWC
0.6-1.0; 56x56 at 64 planes ~0.45.
"""
from .. import _conv, _winograd
from ..parallel import get_num_threads

WINOGRAD_MIN_PLANES = 8
WINOGRAD_MIN_POSITIONS = 400


def applies(m, kernel, positions):
    """Whether layer ``m`` with ``kernel`` (_conv's tuple) and ``positions`` output
    positions per plane runs the Winograd kernels."""
    if m.n_group != 1 or kernel[:4] != (3, 3, 1, 1) or _winograd.path == "off":
        return False
    return _winograd.path == "on" or (
        min(m.n_input_plane, m.n_output_plane) >= WINOGRAD_MIN_PLANES
        and positions >= WINOGRAD_MIN_POSITIONS)


def _scratch(m, x4, o4):
    """The layer's reused scratch for this input and output."""
    a = slice(2, 4) if m.data_format == "NCHW" else slice(1, 3)
    need = _winograd.scratch_elements(x4.shape[0], m.n_input_plane, *x4.shape[a],
                                      m.n_output_plane, *o4.shape[a])
    return m._reused("_winograd_scratch", need)


def forward(m, x4, o4, kernel):
    _winograd.forward(x4, m.weight.reshape(-1), m.bias, o4, kernel[4], kernel[5],
                      m.data_format == "NHWC", _scratch(m, x4, o4), get_num_threads())


def backward(m, x4, g4, gi4, gb, sw, sb, kernel):
    """grad_input into gi4 (None: skipped), grad_weight += sw * dW (sw == 0: skipped),
    grad_bias += sb * the sums of g4 (gb None or sb == 0: skipped; _conv's bias sums)."""
    nhwc, nt, w, gw = m.data_format == "NHWC", get_num_threads(), m.weight.reshape(-1), \
        m.grad_weight.reshape(-1)
    _winograd.backward(x4, g4, w, gi4, gw, sw, kernel[4], kernel[5], nhwc,
                       _scratch(m, x4, g4), nt)
    if gb is not None and sb != 0:
        _conv.bias_backward(g4, gb, sb, nhwc, nt)
