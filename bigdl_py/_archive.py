"""One-file archives for models and optim methods: JSON metadata plus numeric arrays.

A file is a zip of ``.npy`` members (``np.savez``): ``__bigdl_py__`` holds UTF-8 JSON
(``format``, ``version`` and the caller's description), the others numeric arrays.
Reading loads every member with ``allow_pickle=False`` and rejects anything else, so a
damaged, foreign or pickle-bearing file is a ``ValueError`` that executes nothing.
Writing goes to a temporary file in the same folder, then a rename: a crash never leaves
half a file at the path.
"""
import json
import os
import tempfile

import numpy as np

__all__ = ["write_archive", "read_archive", "expect", "VERSION"]

META = "__bigdl_py__"
VERSION = 1


def write_archive(path, meta, arrays, over_write, owner):
    """Atomically write ``meta`` (JSON-able dict) and ``arrays`` ({key: ndarray}) to
    ``path``; FileExistsError (file unchanged) when it exists and not ``over_write``."""
    path = os.fspath(path)
    if not over_write and os.path.lexists(path):
        raise FileExistsError(f"{owner}: {path} exists; pass over_write=True to replace it")
    blob = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{META: blob}, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        if over_write:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic, and fails if path appeared meanwhile
            except FileExistsError:
                raise FileExistsError(f"{owner}: {path} exists; pass over_write=True to "
                                      "replace it") from None
            except OSError:  # no hard links on this file system
                os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def read_archive(path, fmt, owner):
    """(meta, {key: ndarray}) of a file written by ``write_archive`` with
    ``meta["format"] == fmt``; ValueError naming the problem for anything else."""
    path = os.fspath(path)
    with open(path, "rb") as f:  # a missing file stays FileNotFoundError
        head = f.read(4)
        if head != b"PK\x03\x04":
            raise ValueError(f"{owner}: {path} is not a bigdl_py {fmt} file (not a zip/npz "
                             f"archive: starts with {head!r})")
        f.seek(0)
        try:
            with np.load(f, allow_pickle=False) as z:
                members = {k: z[k] for k in z.files}
        except Exception as e:
            raise ValueError(f"{owner}: {path} is damaged or not a bigdl_py {fmt} file "
                             f"({type(e).__name__}: {e})") from None
    blob = members.pop(META, None)
    if not isinstance(blob, np.ndarray) or blob.dtype != np.uint8 or blob.ndim != 1:
        raise ValueError(f"{owner}: {path} is not a bigdl_py {fmt} file (no {META} member)")
    try:
        meta = json.loads(blob.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ValueError(f"{owner}: {path} has a damaged {META} member ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ValueError(f"{owner}: {path} is not a bigdl_py {fmt} file (format {got!r})")
    if meta.get("version") != VERSION:
        raise ValueError(f"{owner}: {path} has format version {meta.get('version')!r}; this "
                         f"bigdl_py reads version {VERSION}")
    for k, v in members.items():
        if not isinstance(v, np.ndarray) or v.dtype.kind not in "biuf":
            raise ValueError(f"{owner}: {path} member {k!r} is not a numeric array")
    return meta, members


def expect(cond, owner, path, what):
    if not cond:
        raise ValueError(f"{owner}: {path} is damaged: {what}")
