"""Graphs (BigDL's functional API): ``Input()``, module calls on nodes, and ``Model``.

``inp = Input(); h = Linear(4, 3)(inp); out = CAddTable()([h, inp2]); Model([inp, inp2],
out)``.  A node holds a module and its predecessor nodes; ``Model(inputs, outputs)``
collects the nodes that lead to an output, checks the graph and fixes the execution order
once.  ``Model`` is also BigDL's model loader: ``Model.load_model(path)``.
"""
from .._validate import check_sequence
from . import _activity
from ._topology import check, check_config, node_list, order
from .activation import Identity
from .container import Container, _rewrap
from .module import Module, Node
from .persist import _load_bigdl, load_model, register

__all__ = ["Node", "Input", "Model"]


@register
class _Input(Module):
    """The module of an :func:`Input` node: the identity (no copy), printed ``Input``."""

    _TAKES_TABLE = None

    def _class_name(self):
        return "Input"

    def update_output(self, input):
        return input

    def update_grad_input(self, input, grad_output):
        return grad_output


def Input(bigdl_type="float"):
    """A graph input node (BigDL's ``Input()``); its module is named ``Input<hex>``.
    ``bigdl_type`` ("float" or "double") is accepted for BigDL's signature; the node
    passes its input through unchanged.

    Examples
    --------
    >>> from bigdl_py.nn import Linear
    >>> inp = Input()
    >>> out = Linear(4, 3)(inp)
    >>> inp.element().name().startswith("Input")
    True
    """
    return Node(_Input(bigdl_type=bigdl_type))


class Model(Container):
    """A graph of modules (BigDL's ``Model`` / ``StaticGraph``) and the model loader.

    ``Model(inputs, outputs)``: ``inputs`` and ``outputs`` are a Node or a list of Nodes.
    ``forward`` takes one array (one input) or a list in ``inputs`` order and returns one
    activity (one output) or a list in ``outputs`` order; ``backward`` takes the gradient
    the same way and returns one per input.  A node with several predecessors gets the
    table of their outputs; a node feeding several consumers gets the sum of their
    gradients.  The execution order is fixed at construction.  All or nothing (see
    ``Container``): a forward failing in one node restores every node (masks, statistics,
    RNG) to the last successful forward, and a backward accumulates parameter gradients
    only after every node computed its input gradient.

    ``modules`` are the nodes' modules in execution order (inputs included), so the mode,
    ``parameters()`` (leaf names), weights and gradients work as in any container.
    Construction errors are ValueErrors naming the node: an input that reaches no output,
    a root not listed as an input, an input that has predecessors, two nodes with one
    name (e.g. one module called twice), a cycle.

    ``Model.load_model(path)`` loads any module saved by ``save_model``.

    Examples
    --------
    >>> from bigdl_py.nn import CAddTable, Identity, Tanh
    >>> x = Input()
    >>> y = CAddTable()([Tanh()(x), Identity()(x)])
    >>> net = Model(x, y).set_name("net")
    >>> net.forward([[0.0, 0.0]])
    array([[0., 0.]], dtype=float32)
    >>> str(net)
    'StaticGraph[net]'
    """

    def __init__(self, inputs, outputs):
        super().__init__()
        stop = None
        if isinstance(inputs, Module) and isinstance(outputs, Module):
            # BigDL's Model(preprocessor, trainable): the preprocessor is the input node;
            # a stopped Identity between them keeps gradients out of the preprocessor
            pre = Node(inputs)
            gate = Node(Identity(), pre)
            inputs, outputs, stop = pre, Node(outputs, gate), gate.module.name()
        inputs, outputs = node_list(inputs, Node, "inputs"), node_list(outputs, Node, "outputs")
        nodes = order(outputs)
        check(inputs, nodes)
        self.inputs, self.outputs, self._order = inputs, outputs, nodes
        self.modules = [n.module for n in nodes]
        index = {id(n): i for i, n in enumerate(nodes)}
        self._prev = [[index[id(p)] for p in n.prev] for n in nodes]
        self._in = {index[id(n)]: k for k, n in enumerate(inputs)}
        self._out = [index[id(n)] for n in outputs]
        self._node_inputs = None
        self._stop = set()
        if stop is not None:
            self.stop_gradient(stop)

    @staticmethod
    def load_model(path, check_finite=False):
        """The module saved at ``path`` by ``save_model`` (any module, not only graphs;
        see :mod:`bigdl_py.nn.persist`); ``check_finite=True`` refuses NaN or infinite
        parameters."""
        return load_model(path, check_finite)

    @staticmethod
    def loadModel(path, weight_path=None, bigdl_type="float"):
        """BigDL's spelling of :meth:`load_model` (``weight_path`` must be None: one
        bigdl_py file holds architecture and weights)."""
        return _load_bigdl(path, weight_path, bigdl_type)

    load = loadModel

    def _class_name(self):
        return "StaticGraph"

    # ---- persistence: the topology, with the nodes' modules as the children -------------
    def _config(self):
        return {"prev": [list(p) for p in self._prev],
                "inputs": [self._order.index(n) for n in self.inputs],
                "outputs": list(self._out), "stop": sorted(self._stop)}

    @classmethod
    def _from_config(cls, config, children):
        """The graph whose node i holds ``children[i]`` and the predecessors
        ``config["prev"][i]`` (indices of earlier nodes); ValueError for anything else."""
        prev, ins, outs, stop = check_config(config, len(children))
        nodes = []
        for m, p in zip(children, prev):
            nodes.append(Node(m, [nodes[i] for i in p]))
        graph = cls([nodes[i] for i in ins], [nodes[i] for i in outs])
        return graph.stop_gradient([children[i].name() for i in stop]) if stop else graph

    def _takes_table(self):
        return True if len(self.inputs) > 1 else self.inputs[0].module._takes_table()

    def add(self, module):
        raise RuntimeError("Model: a graph's nodes are fixed at construction; build a new "
                           "Model to change it")

    def stop_gradient(self, names):
        """Stop the gradient at the nodes called ``names`` (a name or a list; BigDL's
        ``stop_gradient``): they still accumulate their own parameter gradients, but pass
        no gradient to their predecessors (a graph input reached only through them gets
        zeros).  Returns self; an unknown name is a ValueError."""
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"Model.stop_gradient: expected a name or a list of names, got "
                            f"{names!r:.60}")
        found = {self.node(n).module.name() for n in names}  # ValueError when unknown
        self._stop |= {i for i, m in enumerate(self.modules) if m.name() in found}
        return self

    def node(self, name):
        """The node whose module is named ``name``."""
        for n in self._order:
            if n.module.name() == name:
                return n
        raise ValueError(f"Model: expected the name of a node, got {name!r}")

    # ---- running -------------------------------------------------------------------------
    def _child_call(self, i, method, *args, what=None):
        """``modules[i].method(*args)``; an error names the node: ``"Model: node <name>
        failed in <what>: ..."``."""
        try:
            return getattr(self.modules[i], method)(*args)
        except Exception as e:
            raise _rewrap(e, f"Model: node {self.modules[i].name()} failed in "
                             f"{what or method}: {e}") from e

    def _split(self, value, n, what):
        if n == 1:
            return [value]
        one_per = f"one per graph {'input' if what == 'inputs' else 'output'}"
        return check_sequence(value, n, "Model", f"a table of {n} {what} ({one_per})", list)

    def update_output(self, input):
        given = self._split(input, len(self.inputs), "inputs")
        return self._all_or_nothing(self._run_forward, given)

    def _run_forward(self, given):
        outs, node_inputs = [None] * len(self.modules), [None] * len(self.modules)
        for i, prev in enumerate(self._prev):
            if i in self._in:
                x = given[self._in[i]]
            elif len(prev) == 1:
                x = outs[prev[0]]
            else:
                x = [outs[p] for p in prev]
            node_inputs[i] = x
            outs[i] = self._child_call(i, "forward", x)
        self._node_inputs = node_inputs
        res = [outs[i] for i in self._out]
        return res[0] if len(res) == 1 else res

    def update_grad_input(self, input, grad_output):
        if self._node_inputs is None:
            if self._training:
                raise RuntimeError("Model: expected forward before backward in training "
                                   "mode, got backward first")
            self.update_output(input)
        grads = [None] * len(self.modules)
        for i, g in zip(self._out, self._split(grad_output, len(self.outputs), "gradients")):
            grads[i] = g if grads[i] is None else _activity.add(grads[i], g, "Model")
        result, pending = [None] * len(self.inputs), []
        for i in range(len(self.modules) - 1, -1, -1):
            if grads[i] is None:  # reached only through stopped nodes
                if i in self._in:
                    result[self._in[i]] = _activity.zeros_like(self._node_inputs[i])
                continue
            gi, x, g = self._child_call(i, "_grad_input_phase", self._node_inputs[i],
                                        grads[i], what="backward")
            pending.append((i, x, g))
            prev = self._prev[i]
            if i in self._in:
                result[self._in[i]] = gi
            if i in self._stop:
                continue
            parts = [gi] if len(prev) == 1 else gi if prev else []
            if len(parts) != len(prev):
                raise ValueError(f"Model: expected node {self.modules[i].name()} to give "
                                 f"{len(prev)} gradients, got {len(parts)}")
            for p, g in zip(prev, parts):
                grads[p] = g if grads[p] is None else _activity.add(grads[p], g, "Model")
        self._pending = pending
        return result[0] if len(result) == 1 else result

    def clear_state(self):
        self._node_inputs = None
        return super().clear_state()

    def __str__(self):
        return self._print_name()

    __repr__ = __str__

