"""Saving NNFrames stages: Spark ML's metadata (Params, uid, class) written and read by
Spark's own helpers, plus each stage's bigdl_py files beside it (``_save_payload`` /
``_from_payload`` of the stage class)."""
import inspect
import os

import numpy as np
from pyspark.ml.util import (DefaultParamsReader, DefaultParamsWriter, MLReadable, MLReader,
                             MLWritable, MLWriter)

__all__ = ["Writer", "Reader", "criterion_config"]


def criterion_config(crit):
    """{"class", "args"}: the criterion's class and its constructor arguments."""
    args = {}
    for name in inspect.signature(type(crit).__init__).parameters:
        if name != "self" and hasattr(crit, name):
            v = getattr(crit, name)
            args[name] = v.tolist() if isinstance(v, np.ndarray) else v
    return {"class": type(crit).__name__, "args": args}


class Writer(MLWriter):
    """Spark ML's metadata (Params, uid, class) plus the stage's bigdl_py files."""

    def __init__(self, instance):
        super().__init__()
        self.instance = instance

    def saveImpl(self, path):
        os.makedirs(path, exist_ok=True)
        extra = self.instance._save_payload(path)
        DefaultParamsWriter.saveMetadata(self.instance, path, self.sparkSession,
                                         extraMetadata=extra)


class Reader(MLReader):
    def __init__(self, cls):
        super().__init__()
        self.cls = cls

    def load(self, path):
        metadata = DefaultParamsReader.loadMetadata(path, self.sparkSession)
        instance = self.cls._from_payload(path, metadata)
        DefaultParamsReader.getAndSetParams(instance, metadata)
        instance._resetUid(metadata["uid"])
        return instance


class Persisted(MLWritable, MLReadable):
    """Spark ML persistence for the NNFrames stages: ``write()``/``read()`` through
    :class:`Writer`/:class:`Reader`; a stage supplies ``_save_payload`` and
    ``_from_payload``."""

    def write(self):
        return Writer(self)

    @classmethod
    def read(cls):
        return Reader(cls)
