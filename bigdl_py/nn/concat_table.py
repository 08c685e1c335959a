"""Branching containers (BigDL's, 1-based as in Lua Torch): ``ConcatTable`` applies
every child to one input, ``ParallelTable`` child i to element i of a table.  Their
outputs are tables (Python lists); ``str()`` is BigDL's tab-indented branch layout."""
from . import _activity
from .container import Container

__all__ = ["ConcatTable", "ParallelTable"]


def _branch_str(head, modules):
    """ConcatTable/ParallelTable layout (BigDL): tab-indented branches; a multi-line child
    continues under its arrow."""
    out = f"{head} {{\n\tinput"
    for i, m in enumerate(modules, 1):
        last = i == len(modules)
        arrow, cont = ("   `-> ", "       ") if last else ("  |`-> ", "  |    ")
        out += f"\n\t{arrow}({i}): " + str(m).replace("\n", "\n\t" + cont)
    return out + "\n\t   ... -> output\n}"


class ConcatTable(Container):
    """Applies every child to the same input: output ``[m1(x), m2(x), ...]``; the input
    may be an array or a table, and grad_input is the element-wise sum of the children's.
    All or nothing, as every ``Container``: a failing branch restores the others' forward
    state and keeps their parameter gradients from accumulating.

    Examples
    --------
    >>> from bigdl_py.nn import Identity, Tanh
    >>> ct = ConcatTable().add(Identity()).add(Tanh())
    >>> [y.tolist() for y in ct.forward([0.0, 1.0])]
    [[0.0, 1.0], [0.0, 0.7615941762924194]]
    """

    _TAKES_TABLE = None

    def update_output(self, input):
        return self._all_or_nothing(self._branches, [input] * len(self.modules))

    def _branches(self, inputs):
        """``[m_i.forward(inputs[i])]``; run inside ``_all_or_nothing``."""
        return [self._child_call(i, "forward", x) for i, x in enumerate(inputs)]

    def _grad_branches(self, inputs, grads):
        """The first backward phase of every branch (``_grad_input_phase``): their input
        gradients; the parameter gradients wait for ``acc_grad_parameters``."""
        res, pending = [], []
        for i, (x, g) in enumerate(zip(inputs, grads)):
            gi, xc, gc = self._child_call(i, "_grad_input_phase", x, g, what="backward")
            res.append(gi)
            pending.append((i, xc, gc))
        self._pending = pending
        return res

    def update_grad_input(self, input, grad_output):
        owner = type(self).__name__
        if len(grad_output) != len(self.modules):
            raise ValueError(f"{owner}: expected a table of {len(self.modules)} gradients, "
                             f"got {len(grad_output)}")
        if not self.modules:
            return _activity.zeros_like(input)
        total = None
        for gi in self._grad_branches([input] * len(self.modules), grad_output):
            total = gi if total is None else _activity.add(total, gi, owner)
        return total

    def _grad_output(self, grad_output, input):
        if not isinstance(grad_output, (list, tuple)):
            raise TypeError(f"{type(self).__name__}: expected a table (list) as grad_output, "
                            f"got {type(grad_output).__name__}")
        return super()._grad_output(grad_output, input)

    def __str__(self):
        return _branch_str(self._print_name(), self.modules)

    __repr__ = __str__


class ParallelTable(ConcatTable):
    """Applies child i to element i of the input table: ``output[i] = m_i(input[i])``
    (extra children are unused; more elements than children is a ValueError).

    Examples
    --------
    >>> from bigdl_py.nn import Identity, Tanh
    >>> pt = ParallelTable().add(Identity()).add(Tanh())
    >>> [y.tolist() for y in pt.forward([[0.0], [1.0]])]
    [[0.0], [0.7615941762924194]]
    """

    _TAKES_TABLE = True

    def _check(self, input):
        if len(input) > len(self.modules):
            raise ValueError(f"{type(self).__name__}: expected at most {len(self.modules)} "
                             f"elements (one per module), got a table of {len(input)}")

    def update_output(self, input):
        self._check(input)
        return self._all_or_nothing(self._branches, input)

    def update_grad_input(self, input, grad_output):
        self._check(input)
        if len(grad_output) != len(input):
            raise ValueError(f"{type(self).__name__}: expected a table of {len(input)} "
                             f"gradients, got {len(grad_output)}")
        return self._grad_branches(input, grad_output)

    def __str__(self):
        return _branch_str("nn.ParallelTable", self.modules)  # BigDL prints no name

    __repr__ = __str__
