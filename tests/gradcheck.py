"""The one float64 central-difference gradient checker every layer's tests use."""
import numpy as np

from bigdl_py.nn._activity import leaves  # the arrays of a (nested) table, depth first


def numeric_grad(f, x, eps=1e-6):
    """d sum(f(x) * w) / dx by central differences, for a scalar-valued f of an array x
    (x is perturbed in place and restored)."""
    g = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        hi = f()
        flat[i] = old - eps
        lo = f()
        flat[i] = old
        gflat[i] = (hi - lo) / (2 * eps)
    return g


def check_module_grads(module, x, seed=0, atol=1e-6, rtol=1e-5, params=True):
    """Compare ``module.backward`` with central differences of ``sum(forward(x) * w)``
    for a fixed random w, w.r.t. the input and (when ``params``) every parameter.

    ``module`` must be deterministic between calls (freeze masks/noise before calling:
    e.g. evaluation mode, or a layer option that replays its last mask).  float64 only.
    """
    x = np.array(x, dtype=np.float64)
    out = np.asarray(module.forward(x.copy()))
    w = np.random.default_rng(seed).standard_normal(out.shape)

    def loss():
        return float(np.sum(np.asarray(module.forward(x)) * w))

    module.forward(x.copy())
    if hasattr(module, "zero_grad_parameters"):
        module.zero_grad_parameters()
    grad_in = np.asarray(module.backward(x.copy(), w.copy()))
    analytic = [np.array(grad_in)] + [np.array(g) for _, g in module._param_pairs()] \
        if params else [np.array(grad_in)]
    numeric = [numeric_grad(loss, x)]
    if params:
        numeric += [numeric_grad(loss, p) for p, _ in module._param_pairs()]
    for a, n in zip(analytic, numeric):
        np.testing.assert_allclose(a, n, atol=atol, rtol=rtol)
    return analytic


class Frozen:
    """Wraps a random layer so every forward re-seeds ``RNG`` with ``seed`` first: the
    training mask or noise is then the same on each call, and the checker can compare
    backward with central differences of the training forward."""

    def __init__(self, module, seed=1234):
        self.module, self.seed = module, seed

    def forward(self, x):
        from bigdl_py import RNG
        RNG.set_seed(self.seed)
        return self.module.forward(x)

    def backward(self, x, g):
        return self.module.backward(x, g)

    def _param_pairs(self):
        return []


def _copy(act):
    return [_copy(a) for a in act] if isinstance(act, list) else np.array(act)


def check_table_grads(module, x, seed=0, atol=1e-6, rtol=1e-5):
    """``check_module_grads`` for modules whose input and/or output are tables (nested
    lists of float64 arrays): the loss is the sum over the output's arrays of
    ``out * w`` with fixed random w's; every input array and parameter is checked."""
    x = _copy(x)
    rng = np.random.default_rng(seed)
    w = [rng.standard_normal(np.shape(o)) for o in leaves(module.forward(_copy(x)))]
    w_act = _rebuild(module.forward(_copy(x)), iter(w))

    def loss():
        return float(sum(np.sum(np.asarray(o) * wi)
                         for o, wi in zip(leaves(module.forward(x)), w)))

    module.forward(_copy(x))
    module.zero_grad_parameters()
    grad_in = module.backward(_copy(x), w_act)
    analytic = [np.array(g) for g in leaves(grad_in)]
    analytic += [np.array(g) for _, g in module._param_pairs()]
    numeric = [numeric_grad(loss, a) for a in leaves(x)]
    numeric += [numeric_grad(loss, p) for p, _ in module._param_pairs()]
    assert len(analytic) == len(numeric)
    for a, n in zip(analytic, numeric):
        np.testing.assert_allclose(a, n, atol=atol, rtol=rtol)
    return grad_in


def _rebuild(like, it):
    return [_rebuild(a, it) for a in like] if isinstance(like, list) else next(it)
