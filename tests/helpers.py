"""Helpers shared by the tests: the bitwise comparison and the statistical bound."""
import numpy as np
import pytest

Z = 6.0  # every statistical bound: 6 standard errors (fixed seeds, so a failure is a bug)


def bitwise(a, b):
    """Same shape, dtype and bytes: -0.0 differs from +0.0, NaN payloads count."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def assert_same_at_1_and_2_threads(run):
    """``run()`` gives a list of arrays with the same bits at 1 and at 2 threads (copies are
    kept, so ``run`` may return a module's reused buffers); ``run`` seeds what it draws."""
    import bigdl_py
    outs = []
    for t in (1, 2):
        with bigdl_py.threads(t):
            outs.append([np.array(a, copy=True) for a in run()])
    assert len(outs[0]) == len(outs[1]) > 0
    for i, (a, b) in enumerate(zip(*outs)):
        assert bitwise(a, b), f"result {i} differs between 1 and 2 threads"


def assert_matches_oracle_loosely(m, x, g, oracle):
    """``m.forward(x)`` and ``m.backward(x, g)`` against ``oracle(m, x, g)`` -> (output,
    grad_input, grad_weight, grad_bias), within the tolerances of large float32 sums
    (output, weight and bias gradients)."""
    out = m.forward(x)
    m.backward(x, g)
    y, _, gw, gb = oracle(m, x, g)
    np.testing.assert_allclose(out, y, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(m.grad_weight, gw, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(m.grad_bias, gb, rtol=1e-4, atol=1e-3)


def within_z(observed, expected, std_error, z=Z):
    """``|observed - expected| <= z`` standard errors."""
    return abs(observed - expected) <= z * std_error


def optim_problem(dtype=np.float64, steps=4, seed=0):
    """A (3, 4) weight and a (3,) bias with ``steps`` rounds of random gradients."""
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(3).astype(dtype)]
    grads = [[rng.standard_normal(w.shape).astype(dtype) for w in ws] for _ in range(steps)]
    return ws, grads


def assert_steps_match(method, ws, grads, expected, dtype, tol):
    """Run ``method.optimize`` once per round of ``grads`` and compare ``ws`` with
    ``expected``: every call returns the method, counts one evaluation and keeps ``dtype``."""
    for gs in grads:
        assert method.optimize(list(zip(ws, gs))) is method
    assert method.state["evalCounter"] == len(grads)
    for w, e in zip(ws, expected):
        assert w.dtype == dtype
        np.testing.assert_allclose(w, e, rtol=tol, atol=tol)


def assert_fires_at_iterations_3_and_6(opt, tmp_path, set_validation):
    """Checkpoint into ``tmp_path`` and validate (``set_validation(trigger)``) every 3rd
    iteration of a 7-iteration run: BigDL 2.4 writes model.3 and model.6 (after iterations 2
    and 5, when neval, the next iteration's number, is a multiple of 3); validation the same."""
    from bigdl_py.optim import SeveralIteration
    opt.set_checkpoint(str(tmp_path), SeveralIteration(3))
    set_validation(SeveralIteration(3))
    seen, inner = [], opt._validation_results
    opt._validation_results = lambda *a: seen.append(opt.optim_method.state["neval"]) or \
        inner(*a)
    opt.optimize()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.3", "model.6", "optim.3",
                                                          "optim.6"]
    assert seen == [3, 6]


def assert_mask_backward_errors(m):
    """A masking layer (Dropout, GaussianDropout) refuses a backward with no forward, after an
    evaluation-mode forward, and with a gradient of another shape than its last training
    forward's output (length 3)."""
    name = type(m).__name__
    with pytest.raises(RuntimeError, match=f"{name}: expected forward before backward"):
        m.backward(np.ones(3), np.ones(3))
    m.evaluate().forward(np.ones(3))
    with pytest.raises(RuntimeError, match=f"{name}: expected a training-mode forward before "
                                           "a training-mode backward, got none"):
        m.training().backward(np.ones(3), np.ones(3))
    m.forward(np.ones(3))
    with pytest.raises(ValueError,
                       match=fr"{name}: expected grad_output of shape \(3,\), got \(4,\)"):
        m.backward(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=fr"{name}: expected grad_output of shape \(3,\) "
                                         r"\(the last training forward's\), got \(2,\)"):
        m.backward(np.ones(2), np.ones(2))


def assert_constructor_error(cls, args, kwargs, err, msg):
    """``cls(**args, **kwargs)`` raises ``err`` matching ``msg`` (kwargs override args)."""
    with pytest.raises(err, match=msg):
        cls(**{**args, **kwargs})
