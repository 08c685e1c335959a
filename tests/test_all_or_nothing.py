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


# ---- containers -----------------------------------------------------------------------------
import bigdl_py  # noqa: E402
from bigdl_py import RNG  # noqa: E402
from bigdl_py.nn import Dropout, GaussianDropout, ReLU, SpatialDropout1D  # noqa: E402


class _FailOnBatch7(ReLU):
    def update_output(self, input):
        if input.shape[0] == 7:
            raise ValueError("_FailOnBatch7: expected no batch of 7, got a batch of 7")
        return super().update_output(input)


def _grads(model):
    return [g.copy() for _, g in model._param_pairs()]


def _model(nested):
    inner = Sequential(Linear(4, 4), Dropout(0.5), GaussianDropout(0.3))
    if nested:
        return Sequential(Linear(3, 4), inner, ReLU(), Linear(4, 2))
    return Sequential(Linear(3, 4), Dropout(0.5), GaussianDropout(0.3), Linear(4, 4),
                      ReLU(), Linear(4, 2))


@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
def test_sequential_backward_accumulates_only_when_every_child_succeeds(nested, dtype):
    model = _model(nested)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out = model.forward(x)
    g = np.ones_like(out)
    model.zero_grad_parameters()
    before = _grads(model)
    # the first child (run last) rejects its input: the later children have computed their
    # input gradients by then, but no parameter gradient may change
    with pytest.raises(ValueError, match="Sequential: module 1 .* failed in backward"):
        model.backward(np.zeros((5, 2), np.float32), g)
    for a, b in zip(_grads(model), before):
        np.testing.assert_array_equal(a, b)
    gi = model.backward(x, g)  # the last forward still backpropagates
    assert gi.shape == x.shape and any(np.any(a != 0) for a in _grads(model))


def test_sequential_acc_grad_parameters_alone_equals_backward():
    a = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    b = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    b.set_weights(a.get_weights())
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    g = np.random.default_rng(2).standard_normal((6, 2)).astype(np.float32)
    for m in (a, b):
        m.forward(x)
        m.zero_grad_parameters()
    a.backward(x, g)
    b.acc_grad_parameters(x, g)
    for ga, gb in zip(_grads(a), _grads(b)):
        np.testing.assert_array_equal(ga, gb)


@pytest.mark.parametrize("algorithm", ["philox", "mt19937"])
@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
def test_failed_sequential_forward_keeps_the_last_forward_backpropagatable(algorithm, nested):
    RNG.set_algorithm(algorithm)
    RNG.set_seed(7)
    model = _model(nested)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    g = np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)
    out = np.array(model.forward(x))
    model.zero_grad_parameters()
    gi_ref = np.array(model.backward(x, g))
    grads_ref = _grads(model)
    model.add(_FailOnBatch7())
    rng = RNG.get_state()
    # a batch of 7 passes every child (new masks and noise drawn) and fails in the last
    with pytest.raises(ValueError, match="Sequential: module .* batch of 7"):
        model.forward(np.ones((7, 3), np.float32))
    model.modules.pop()
    assert RNG.get_state()[:3] == rng[:3]  # no random numbers consumed
    model.zero_grad_parameters()
    np.testing.assert_array_equal(model.backward(x, g), gi_ref)
    for a, b in zip(_grads(model), grads_ref):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.output, out)


@pytest.mark.parametrize("algorithm", ["philox", "mt19937"])
def test_failed_forward_after_mask_redrawn_restores_mask_and_rng(algorithm):
    # both dropouts draw new masks (into reused storage), then child 4 rejects the shape:
    # the old masks and the RNG must come back
    RNG.set_algorithm(algorithm)
    RNG.set_seed(3)
    seq = Sequential(Dropout(0.5), SpatialDropout1D(0.5), ReLU())
    x = np.random.default_rng(0).standard_normal((4, 3, 8)).astype(np.float32)
    seq.forward(x)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    ref = np.array(seq.backward(x, g))
    seq.add(Linear(5, 2))  # its initial weights are drawn here, before the state is taken
    state = RNG.get_state()
    with pytest.raises(ValueError, match="module 4 .*Linear"):
        seq.forward(x)
    assert RNG.get_state()[:3] == state[:3] and RNG.get_state()[4] == state[4]
    seq.modules.pop()
    np.testing.assert_array_equal(seq.backward(x, g), ref)


# ---- graphs and tables: the same two rules ---------------------------------------------------
from bigdl_py.nn import (BatchNormalization, CAddTable, ConcatTable, Identity, Input,  # noqa
                         Model, ParallelTable)


class _Switch(Identity):
    """The identity, failing in ``fail`` ("forward" or "backward") when it is set."""
    fail = None

    def update_output(self, input):
        if self.fail == "forward":
            raise ValueError("_Switch: expected no failure, got one in forward")
        return super().update_output(input)

    def update_grad_input(self, input, grad_output):
        if self.fail == "backward":
            raise ValueError("_Switch: expected no failure, got one in backward")
        return super().update_grad_input(input, grad_output)


def _noisy(n_in):
    """Random state of every kind a forward replaces: Dropout's mask bits, Gaussian noise
    counters, batch norm's batch and running statistics."""
    return [Linear(n_in, 4), Dropout(0.5), GaussianDropout(0.3), BatchNormalization(4)]


def _graph(switch):
    # execution order: inp, fc1 .. bn, switch, fc2, fc3, add; the backward reaches the
    # switch after fc3 and fc2 computed their input gradients
    inp = Input()
    h = inp
    for m in _noisy(3):
        h = m(h)
    out = CAddTable()([Linear(4, 2)(switch(h)), Linear(3, 2)(inp)])
    return Model(inp, out)


def _concat(switch):
    # branch 1 runs (forward and backward) before branch 2 fails
    return ConcatTable(Sequential(*_noisy(3), Linear(4, 2)), Sequential(switch, Linear(3, 2)))


def _parallel(switch):
    return ParallelTable(Sequential(*_noisy(3), Linear(4, 2)), Sequential(switch, Linear(3, 2)))


def _nested(switch):
    # a graph inside a Sequential inside a ConcatTable
    return ConcatTable(Sequential(_graph(Identity()), ReLU()), Sequential(switch, Linear(3, 2)))


CONTAINERS = {"graph": _graph, "concat": _concat, "parallel": _parallel, "nested": _nested}


def _case(kind, seed=0):
    switch = _Switch()
    model = CONTAINERS[kind](switch)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    x = [x, x[:, ::-1].copy()] if kind == "parallel" else x
    return model, switch, x


def _like(out, rng):
    if isinstance(out, list):
        return [_like(o, rng) for o in out]
    return rng.standard_normal(out.shape).astype(np.float32)


def _equal(a, b):
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        for u, v in zip(a, b):
            _equal(u, v)
    else:
        np.testing.assert_array_equal(a, b)


def _snap(value):
    return [_snap(v) for v in value] if isinstance(value, list) else np.array(value)


def _forward_backward(model, x, seed):
    """A forward and, from zeroed gradients, a backward of ``model`` on ``x`` with a random
    grad_output (``seed``): copies of (output, grad_output, grad_input, gradients)."""
    out = _snap(model.forward(x))
    g = _like(out, np.random.default_rng(seed))
    model.zero_grad_parameters()
    return out, g, _snap(model.backward(x, g)), _grads(model)


def _stats(model):
    """Copies of every batch norm's running and batch statistics."""
    from bigdl_py.nn.container import walk
    return [np.array(getattr(m, a)) for m in walk(model) if isinstance(m, BatchNormalization)
            for a in ("running_mean", "running_var", "save_mean", "save_invstd")]


@pytest.mark.parametrize("kind", list(CONTAINERS))
def test_container_backward_accumulates_only_when_every_child_succeeds(kind):
    model, switch, x = _case(kind)
    _, g, gi_ref, grads_ref = _forward_backward(model, x, 1)
    model.zero_grad_parameters()
    switch.fail = "backward"
    with pytest.raises(ValueError, match="failed in backward: .*_Switch: expected no failure"):
        model.backward(x, g)
    assert all(not np.any(a) for a in _grads(model))  # no parameter gradient accumulated
    switch.fail = None
    _equal(model.backward(x, g), gi_ref)  # the last forward still backpropagates
    for a, b in zip(_grads(model), grads_ref):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("algorithm", ["philox", "mt19937"])
@pytest.mark.parametrize("kind", list(CONTAINERS))
def test_failed_container_forward_keeps_the_last_forward_backpropagatable(kind, algorithm):
    RNG.set_algorithm(algorithm)
    RNG.set_seed(11)
    model, switch, x = _case(kind)
    out, g, gi_ref, grads_ref = _forward_backward(model, x, 1)
    stats = _stats(model)  # (a backward leaves them as the forward did)
    _, _, x2 = _case(kind, seed=5)  # another batch: new masks, noise and statistics
    switch.fail = "forward"
    rng = RNG.get_state()
    with pytest.raises(ValueError, match="failed in forward: .*_Switch: expected no failure"):
        model.forward(x2)
    after = np.array(bigdl_py.Tensor(16).rand())
    RNG.set_state(rng)
    np.testing.assert_array_equal(np.array(bigdl_py.Tensor(16).rand()), after)  # no draws
    RNG.set_state(rng)
    switch.fail = None
    for a, b in zip(_stats(model), stats):  # running and batch statistics as they were
        np.testing.assert_array_equal(a, b)
    _equal(model.output, out)
    model.zero_grad_parameters()
    _equal(model.backward(x, g), gi_ref)
    for a, b in zip(_grads(model), grads_ref):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", list(CONTAINERS))
def test_container_acc_grad_parameters_alone_equals_backward(kind):
    model, _, x = _case(kind)
    _, g, _, ref = _forward_backward(model, x, 2)
    model.zero_grad_parameters()
    model.acc_grad_parameters(x, g)
    for a, b in zip(_grads(model), ref):
        np.testing.assert_array_equal(a, b)
    model.zero_grad_parameters()
    model.update_grad_input(x, g)  # the first phase alone changes no parameter gradient
    assert all(not np.any(a) for a in _grads(model))
    model.acc_grad_parameters(x, g)
    for a, b in zip(_grads(model), ref):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("algorithm", ["philox", "mt19937"])
def test_failed_sequential_forward_restores_batch_norm_statistics(algorithm):
    RNG.set_algorithm(algorithm)
    seq = Sequential(Linear(3, 4), BatchNormalization(4), _Switch())
    x = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    g = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    seq.forward(x)
    bn = seq.modules[1]
    stats = _stats(seq)
    ref = seq.backward(x, g)
    seq.modules[2].fail = "forward"
    with pytest.raises(ValueError, match="module 3"):
        seq.forward(x * 3 + 1)
    for a, b in zip(_stats(seq), stats):
        np.testing.assert_array_equal(a, b)
    assert len(stats) == 4 and bn.running_mean is seq.parameters()[bn.name()]["runningMean"]
    seq.modules[2].fail = None
    np.testing.assert_array_equal(seq.backward(x, g), ref)
