"""``Module``'s persistence hooks: ``_config()`` (the constructor arguments a model file
rebuilds the module from), ``_saved_buffers()`` and ``save_model`` with BigDL's names for
it; the file format is ``nn.persist``'s."""
import inspect

from . import persist

__all__ = ["Saving"]


class Saving:
    """The persistence hooks of ``Module`` (see the module docstring)."""

    def _config(self):
        """The constructor's keyword arguments that rebuild this module's architecture
        and hyper-parameters (``type(self)(**self._config())``), for ``save_model``.  Every
        saveable layer with constructor arguments defines it (see ``nn.persist``); here:
        ``{}`` when the constructor takes none, else TypeError."""
        params = list(inspect.signature(type(self).__init__).parameters.values())[1:]
        if any(p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
            raise TypeError(f"save_model: cannot save a {type(self).__name__}: it defines no "
                            "_config() (its constructor arguments)")
        return {}

    def _saved_buffers(self):
        """``{name: ndarray}``: state arrays that are not parameters but belong in a model
        file (e.g. running statistics); none here."""
        return {}

    def save_model(self, path, over_write=False):
        """Save the architecture and parameters to one file (see ``bigdl_py.nn.persist``);
        reload with ``bigdl_py.nn.Model.load_model(path)``."""
        persist.save_model(self, path, over_write)
        return self

    def saveModel(self, modelPath, weightPath=None, over_write=False):
        """BigDL's name for ``save_model`` (one file holds the weights too, so
        ``weightPath`` must be None)."""
        if weightPath is not None:
            raise ValueError(f"{type(self).__name__}.saveModel: expected weightPath=None (a "
                             f"bigdl_py model file holds the weights), got {weightPath!r}")
        return self.save_model(modelPath, over_write)

    def save(self, path, over_write=False):
        """BigDL's name for ``save_model``."""
        return self.save_model(path, over_write)
