"""Nothing half-written: a failing call changes no parameter, buffer, counter or gradient
(optim steps, update_parameters, gradient scales; containers: see the Sequential tests)."""
import numpy as np
import pytest

from bigdl_py import Tensor
from bigdl_py.nn import Linear, Sequential
from bigdl_py.optim import SGD, Adam, OptimMethod

METHODS = [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.1)]


def _pairs(dtype=np.float32):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((3, 2)).astype(dtype), rng.standard_normal((3, 2)).astype(dtype)),
            (rng.standard_normal(3).astype(dtype), rng.standard_normal(3).astype(dtype))]


def _snapshot(method, pairs):
    return ([w.copy() for w, _ in pairs], dict(method.state),
            [{k: b.copy() for k, b in buf.items()} for buf in method._buffers])


def _assert_unchanged(method, pairs, snap):
    ws, state, bufs = snap
    for (w, _), w0 in zip(pairs, ws):
        np.testing.assert_array_equal(w, w0)
    assert method.state == state
    assert len(method._buffers) == len(bufs)
    for buf, b0 in zip(method._buffers, bufs):
        assert set(buf) == set(b0)
        for k in buf:
            np.testing.assert_array_equal(buf[k], b0[k])


def _bad_second(kind, pairs):
    (w0, g0), (w1, g1) = pairs
    if kind == "readonly":
        w1 = w1.copy()
        w1.flags.writeable = False
    elif kind == "int weight":
        w1 = w1.astype(np.int32)
    elif kind == "bool grad":
        g1 = g1 > 0
    elif kind == "shape":
        g1 = g1[:2]
    elif kind == "not array":
        g1 = "gradient"
    elif kind == "not pair":
        return [(w0, g0), (w1,)]
    return [(w0, g0), (w1, g1)]


BAD = [("readonly", ValueError, "writable"), ("int weight", TypeError, "float32 or float64"),
       ("bool grad", TypeError, "float32 or float64"), ("shape", ValueError, "shape"),
       ("not array", TypeError, "gradient 1"), ("not pair", TypeError, "pair 1")]


@pytest.mark.parametrize("make", METHODS, ids=["SGD", "Adam"])
@pytest.mark.parametrize("kind,exc,match", BAD, ids=[b[0] for b in BAD])
def test_optimize_checks_every_pair_before_updating_any(make, kind, exc, match):
    method, pairs = make(), _pairs()
    method.optimize(pairs)  # buffers exist now
    snap = _snapshot(method, pairs)
    with pytest.raises(exc, match=match):
        method.optimize(_bad_second(kind, pairs))
    _assert_unchanged(method, pairs, snap)


@pytest.mark.parametrize("make", METHODS, ids=["SGD", "Adam"])
def test_first_step_failure_leaves_no_buffers(make):
    method, pairs = make(), _pairs()
    with pytest.raises(ValueError, match="writable"):
        method.optimize(_bad_second("readonly", pairs))
    assert method._buffers == [] and method.state["evalCounter"] == 0


@pytest.mark.parametrize("make", METHODS, ids=["SGD", "Adam"])
@pytest.mark.parametrize("bad", ["int32", "bool", "float16", "float64", "shape", "readonly",
                                 "name"])
def test_bad_state_buffer_rejected_before_any_update(make, bad):
    method, pairs = make(), _pairs()
    method.optimize(pairs)
    buf = method._buffers[1]
    name = next(iter(buf))
    if bad == "shape":
        buf[name] = np.zeros(4, np.float32)
    elif bad == "readonly":
        buf[name] = buf[name].copy()
        buf[name].flags.writeable = False
    elif bad == "name":
        buf["momentum?"] = buf[name].copy()
    else:
        buf[name] = buf[name].astype(bad)
    snap = _snapshot(method, pairs)
    exc, match = {"shape": (ValueError, "of shape"), "readonly": (ValueError, "writable"),
                  "name": (ValueError, "state buffers named")}.get(
        bad, (TypeError, "state buffer .* as a float32 ndarray"))
    with pytest.raises(exc, match=match):
        method.optimize(pairs)
    _assert_unchanged(method, pairs, snap)


def test_wrong_parameter_count_changes_nothing():
    method, pairs = SGD(0.1, momentum=0.5), _pairs()
    method.optimize(pairs)
    snap = _snapshot(method, pairs)
    with pytest.raises(ValueError, match="expected 2 parameters"):
        method.optimize(pairs[:1])
    _assert_unchanged(method, pairs, snap)


@pytest.mark.parametrize("make", METHODS, ids=["SGD", "Adam"])
def test_float64_gradient_is_cast_to_the_parameter_dtype(make):
    # the SPEC's rule: data meeting float32 parameters is cast to float32
    pairs32 = _pairs(np.float32)
    pairs64 = [(w.copy(), g.astype(np.float64)) for w, g in pairs32]
    a, b = make(), make()
    a.optimize(pairs32)
    b.optimize(pairs64)
    for (wa, _), (wb, gb) in zip(pairs32, pairs64):
        assert wb.dtype == np.float32 and gb.dtype == np.float64
        np.testing.assert_array_equal(wa, wb)
    for buf in b._buffers:
        assert all(v.dtype == np.float32 for v in buf.values())


def test_tensor_pairs_accepted():
    w, g = Tensor(np.ones((2, 2), np.float32)), Tensor(np.ones((2, 2), np.float32))
    SGD(0.5).optimize([(w, g)])
    np.testing.assert_array_equal(w.numpy(), np.full((2, 2), 0.5, np.float32))


def test_pairs_must_be_a_list():
    with pytest.raises(TypeError, match="list of \\(parameter, gradient\\) pairs"):
        SGD().optimize(3)


def test_prepare_step_is_the_shared_entry_point():
    # every method runs the same checks: a subclass only writes _step
    class Half(OptimMethod):
        def _config(self):
            return {}

        def _step(self, pairs, buffers):
            for w, g in pairs:
                w -= 0.5 * g
    w = np.ones(3)
    with pytest.raises(TypeError, match="Half: expected gradient 0"):
        Half().optimize([(w, [1, 2, 3])])
    Half().optimize([(w, np.ones(3, np.float32))])
    np.testing.assert_array_equal(w, np.full(3, 0.5))


# ---- rates and scales ---------------------------------------------------------------------
@pytest.mark.parametrize("value,exc,match", [(float("nan"), ValueError, "finite"),
                                             (float("inf"), ValueError, "finite"),
                                             (True, TypeError, "number"),
                                             ("0.1", TypeError, "number")])
@pytest.mark.parametrize("container", [False, True])
def test_update_parameters_rejects_non_finite_rates(value, exc, match, container):
    lin = Linear(3, 2)
    lin.grad_weight[...] = 1
    model = Sequential(lin) if container else lin
    w = lin.weight.copy()
    with pytest.raises(exc, match=match):
        model.update_parameters(value)
    np.testing.assert_array_equal(lin.weight, w)


@pytest.mark.parametrize("setter", ["set_scale_w", "set_scale_b"])
@pytest.mark.parametrize("container", [False, True])
def test_scales_reject_non_finite_values(setter, container):
    lin = Linear(3, 2)
    model = Sequential(lin) if container else lin
    for bad, exc in ((float("nan"), ValueError), (float("-inf"), ValueError),
                     (False, TypeError), (None, TypeError)):
        with pytest.raises(exc, match="scale"):
            getattr(model, setter)(bad)
    assert lin._scale_w == 1.0 and lin._scale_b == 1.0
    getattr(model, setter)(0.5)
    assert getattr(lin, "_scale_" + setter[-1]) == 0.5
