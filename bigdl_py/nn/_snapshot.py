"""All or nothing: the hooks a container uses so that a failing child leaves every module
as it was -- backward in two halves (every input gradient first, then every parameter
gradient), and a snapshot of a module's forward state to restore when a later child's
forward fails (``nn.container``)."""

__all__ = ["AllOrNothing"]


class AllOrNothing:
    """The all-or-nothing hooks of ``Module`` (see the module docstring)."""

    def _grad_input_phase(self, input, grad_output, token=0):
        """``backward``'s first half: the gradient w.r.t. the input, parameter gradients
        untouched.  Returns (grad_input, converted input, converted grad_output) -- the
        last two are what :meth:`_acc_phase` takes.  A container runs this through every
        child first, then ``_acc_phase`` on each, so a failing child leaves every
        parameter gradient as it was.  ``token``: the container's pass (``nn._call``)."""
        x, g, kind = self._backward_args(input, grad_output, token)
        self.grad_input = self._result(self.update_grad_input(x, g), input, kind,
                                       "grad_input")
        return self.grad_input, x, g

    def _acc_phase(self, input, grad_output):
        """``backward``'s second half on the arrays :meth:`_grad_input_phase` returned."""
        self.acc_grad_parameters(input, grad_output)

    #: attributes whose arrays a forward refills in place (e.g. Dropout's mask bits): a
    #: container's snapshot detaches them, so a failed forward leaves the old ones intact
    _REUSED_STATE = ()
    #: arrays a forward updates in place and must keep (e.g. batch norm's running and
    #: batch statistics): a container's snapshot copies them, a restore writes them back
    _UPDATED_STATE = ()

    def _forward_snapshot(self):
        """What :meth:`_restore_forward` needs to undo a forward: the attributes (dicts
        copied one level, :attr:`_REUSED_STATE` arrays detached so the next forward
        allocates fresh ones) and copies of the :attr:`_UPDATED_STATE` arrays."""
        snap = vars(self).copy()
        for k, v in snap.items():  # replacing values while iterating is allowed
            if type(v) is dict:
                snap[k] = v.copy()
        kept = {n: getattr(self, n).copy() for n in self._UPDATED_STATE
                if getattr(self, n, None) is not None} if self._UPDATED_STATE else {}
        for name in self._REUSED_STATE:
            setattr(self, name, None)
        return snap, kept

    def _restore_forward(self, snap):
        attrs, kept = snap
        vars(self).clear()
        vars(self).update(attrs)
        for name, arr in kept.items():
            getattr(self, name)[...] = arr
