"""One-file archives for models and optim methods: JSON metadata plus numeric arrays.

A file is an uncompressed zip of ``.npy`` members (``np.savez``): ``__bigdl_py__.npy``
holds UTF-8 JSON (``format``, ``version`` and the caller's description), the others
numeric arrays.

Reading is strict and checks before it reads or allocates (:func:`open_archive`):

- the path is a regular file (a FIFO or device is refused without opening it for reading);
- the zip directory: at most :data:`MAX_MEMBERS` members (the end record is read before
  the directory is parsed), plain member names (``[A-Za-z0-9_]{1,64}.npy``, unique; no
  ``/``, ``..`` or drive letters), no compression (stored only: no bzip2/deflate bombs),
  declared sizes that fit inside the file;
- each ``.npy`` header: a real numeric dtype (no objects: nothing is unpickled), a shape
  whose byte count is exactly the member's declared size;
- the JSON: at most :data:`MAX_META_BYTES`, nested at most :data:`MAX_JSON_DEPTH` deep,
  finite numbers only (no ``NaN``/``Infinity``, no ``1e999``).

Array data is read only on request (:meth:`Archive.read`), after the caller has checked
the member's shape and dtype against what it expects.  Everything else is a ``ValueError``
naming the file and the problem; nothing in a file is executed.

Writing goes to a short temporary name in the target's folder (so a 250-character file
name still works), fsynced, then renamed over the target: a crash never leaves half a file
at the path.  A temporary left by a killed save of the same target is removed by the next
save of that target.
"""
import hashlib
import json
import math
import os
import re
import stat
import struct
import zipfile

import numpy as np

__all__ = ["write_archive", "open_archive", "read_archive", "expect", "VERSION",
           "MAX_MEMBERS", "MAX_META_BYTES", "MAX_JSON_DEPTH"]

META = "__bigdl_py__"
VERSION = 1  # of the optim method format (models: bigdl_py.nn.persist.VERSION)

MAX_MEMBERS = 200_000          # zip members (arrays plus the metadata) in one file
MAX_META_BYTES = 64 << 20      # the JSON description
MAX_JSON_DEPTH = 256           # nesting of JSON objects and lists
_NAME = re.compile(r"[A-Za-z0-9_]{1,64}\.npy\Z")
_EOCD = struct.Struct("<4s4H2LH")          # end of central directory
_EOCD64_LOC = struct.Struct("<4sLQL")      # zip64 end locator
_EOCD64 = struct.Struct("<4sQ2H2L4Q")      # zip64 end record


# ---- writing ---------------------------------------------------------------------------------
def _temp_prefix(path):
    """Short, per-target temporary name prefix: ``.bigdl-<12 hex of the name>-``."""
    digest = hashlib.sha1(os.path.basename(path).encode("utf-8", "surrogatepass"))
    return f".bigdl-{digest.hexdigest()[:12]}-"


def write_archive(path, meta, arrays, over_write, owner):
    """Atomically write ``meta`` (JSON-able dict) and ``arrays`` ({key: ndarray}) to
    ``path``; FileExistsError (file unchanged) when it exists and not ``over_write``;
    FileNotFoundError naming the folder when it does not exist."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{owner}: cannot save {path}: the folder {folder} does not "
                                "exist")
    if not over_write and os.path.lexists(path):
        raise FileExistsError(f"{owner}: {path} exists; pass over_write=True to replace it")
    blob = np.frombuffer(json.dumps(meta, allow_nan=False).encode("utf-8"), dtype=np.uint8)
    prefix = _temp_prefix(path)
    for stale in os.listdir(folder):  # left by a killed save of this target
        if stale.startswith(prefix) and stale.endswith(".tmp"):
            try:
                os.unlink(os.path.join(folder, stale))
            except OSError:
                pass
    tmp = os.path.join(folder, f"{prefix}{os.getpid()}-{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{META: blob}, **arrays)
            f.flush()
            os.fsync(f.fileno())
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


# ---- reading ---------------------------------------------------------------------------------
class Archive:
    """An opened, checked archive: ``meta`` (dict), ``members`` ({key: (shape, dtype)}) and
    :meth:`read`.  Use as a context manager (closes the file)."""

    def __init__(self, path, f, zf, meta, members, infos, fail):
        self.path, self._f, self._zf, self._infos = path, f, zf, infos
        self.meta, self.members, self.fail = meta, members, fail

    def nbytes(self):
        """Bytes of array data the file holds (the bound for what loading may allocate)."""
        return sum(math.prod(s) * d.itemsize for s, d in self.members.values())

    def read(self, key):
        """The array ``key`` (a fresh, writable ndarray of the checked shape and dtype)."""
        shape, dtype = self.members[key]
        info = self._infos[key]
        try:
            with self._zf.open(info) as fp:
                fortran = _array_header(fp)[1]
                arr = np.empty(shape, dtype, order="F" if fortran else "C")
                view = memoryview(arr.reshape(-1, order="A")).cast("B")
                got = fp.readinto(view) if arr.nbytes else 0
                if got != arr.nbytes or fp.read(1):
                    raise ValueError("short or long member data")
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
            self.fail(f"member {key!r} is damaged ({e})")
        return np.ascontiguousarray(arr)

    def close(self):
        self._zf.close()
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _array_header(fp):
    """(shape, fortran, dtype) of a .npy stream, pickle never allowed."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fp)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fp)
    raise ValueError(f"unsupported .npy version {version}")


def _end_record(f, size):
    """(member count, directory size, directory offset) from the end records."""
    tail = min(size, _EOCD.size + 65535)
    f.seek(size - tail)
    data = f.read(tail)
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(data):
        raise ValueError("no zip end record")
    _, disk, _, _, count, cd_size, cd_off, _ = _EOCD.unpack_from(data, at)
    if disk != 0:
        raise ValueError("multi-disk archive")
    if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_off == 0xFFFFFFFF:  # zip64
        loc = size - tail + at - _EOCD64_LOC.size
        if loc < 0:
            raise ValueError("bad zip64 locator")
        f.seek(loc)
        sig, _, rec, _ = _EOCD64_LOC.unpack(f.read(_EOCD64_LOC.size))
        if sig != b"PK\x06\x07" or rec + _EOCD64.size > size:
            raise ValueError("bad zip64 locator")
        f.seek(rec)
        fields = _EOCD64.unpack(f.read(_EOCD64.size))
        if fields[0] != b"PK\x06\x06":
            raise ValueError("bad zip64 end record")
        count, cd_size, cd_off = fields[7], fields[8], fields[9]
    return count, cd_size, cd_off


def _depth(value):
    """Nesting depth of a parsed JSON value (iterative)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, d)
            if d > MAX_JSON_DEPTH:
                return d
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def _no_constant(name):
    raise ValueError(f"non-finite number {name}")


def _finite_float(text):
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(f"non-finite number {text}")
    return v


def open_archive(path, fmt, owner, versions=None):
    """The checked :class:`Archive` at ``path`` with ``meta["format"] == fmt`` (and
    ``meta["version"]`` in ``versions`` unless None); ValueError
    naming the problem for anything else (see the module docstring), FileNotFoundError
    for a missing path."""
    path = os.fspath(path)

    def fail(what, kind="is damaged or not a bigdl_py {fmt} file"):
        raise ValueError(f"{owner}: {path} {kind.format(fmt=fmt)} ({what})")

    st = os.stat(path)  # a missing file stays FileNotFoundError
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{owner}: {path} is not a regular file (a folder, FIFO or device "
                         "cannot be a bigdl_py file)")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    f = os.fdopen(fd, "rb")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced between stat and open
            raise ValueError(f"{owner}: {path} is not a regular file")
        size = st.st_size
        head = f.read(4)
        if head != b"PK\x03\x04":
            raise ValueError(f"{owner}: {path} is not a bigdl_py {fmt} file (not a zip/npz "
                             f"archive: starts with {head!r})")
        try:
            count, cd_size, cd_off = _end_record(f, size)
        except (ValueError, struct.error) as e:
            fail(e)
        if count > MAX_MEMBERS:
            fail(f"{count} members, more than the limit of {MAX_MEMBERS}")
        if cd_off + cd_size > size or cd_size > count * (46 + 65535 * 3) + 46:
            fail("the zip directory does not fit in the file")
        f.seek(0)
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
            fail(f"{type(e).__name__}: {e}")
        try:
            if len(zf.infolist()) != count:
                fail(f"the end record declares {count} members, the directory holds "
                     f"{len(zf.infolist())}")
            members, infos = _check_directory(zf, size, cd_off, fmt, fail, path, owner)
            meta = _read_meta(zf, infos.pop(META), fmt, versions, path, owner, fail)
        except BaseException:
            zf.close()
            raise
        return Archive(path, f, zf, meta, members, infos, fail)
    except BaseException:
        f.close()
        raise


def _check_directory(zf, size, cd_off, fmt, fail, path, owner):
    infos, total = {}, 0
    entries = zf.infolist()
    if len(entries) > MAX_MEMBERS:
        fail(f"{len(entries)} members, more than the limit of {MAX_MEMBERS}")
    for info in entries:
        name = info.filename
        if not _NAME.match(name):
            fail(f"member name {name[:80]!r} is not a plain name like 'a0.npy'")
        key = name[:-4]
        if key in infos:
            fail(f"member {key!r} appears twice")
        if info.compress_type != zipfile.ZIP_STORED:
            fail(f"member {key!r} is compressed (method {info.compress_type}); bigdl_py files "
                 "are stored uncompressed")
        if info.file_size != info.compress_size or info.flag_bits & 0x1:
            fail(f"member {key!r} declares inconsistent sizes or encryption")
        if info.header_offset + 30 + len(name) + info.compress_size > cd_off:
            fail(f"member {key!r} declares {info.compress_size} bytes past the file's data")
        total += info.compress_size
        infos[key] = info
    if total > size:
        fail(f"members declare {total} bytes in a file of {size}")
    if META not in infos:
        raise ValueError(f"{owner}: {path} is not a bigdl_py {fmt} file (no {META} member)")
    members = {}
    for key, info in infos.items():
        if key == META:
            continue
        try:
            with zf.open(info) as fp:
                shape, _, dtype = _array_header(fp)
                header = fp.tell() if fp.seekable() else None
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, SyntaxError) as e:
            fail(f"member {key!r} is not a .npy array ({type(e).__name__}: {e})")
        if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None:
            fail(f"member {key!r} is not a numeric array (dtype {dtype})")
        nbytes = math.prod(shape) * dtype.itemsize
        if header is not None and header + nbytes != info.file_size:
            fail(f"member {key!r} declares shape {shape} of {dtype} ({nbytes} bytes) in "
                 f"{info.file_size - header} bytes of data")
        members[key] = (tuple(shape), dtype)
    return members, infos


def _read_meta(zf, info, fmt, versions, path, owner, fail):
    if info.file_size > MAX_META_BYTES + 256:
        fail(f"the {META} member has {info.file_size} bytes, more than the limit of "
             f"{MAX_META_BYTES}")
    try:
        with zf.open(info) as fp:
            shape, _, dtype = _array_header(fp)
            if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_META_BYTES:
                raise ValueError(f"{META} is {dtype} {shape}, not uint8 bytes")
            text = fp.read(shape[0])
        meta = json.loads(text.decode("utf-8"), parse_constant=_no_constant,
                          parse_float=_finite_float)
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, RecursionError, OSError,
            EOFError, SyntaxError) as e:
        raise ValueError(f"{owner}: {path} has a damaged {META} member ({e})") from None
    if _depth(meta) > MAX_JSON_DEPTH:
        raise ValueError(f"{owner}: {path} is damaged: values nested too deeply (more than "
                         f"{MAX_JSON_DEPTH} levels)")
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ValueError(f"{owner}: {path} is not a bigdl_py {fmt} file (format {got!r})")
    if versions is not None and meta.get("version") not in versions:
        raise ValueError(f"{owner}: {path} has format version {meta.get('version')!r}; this "
                         f"bigdl_py reads version {', '.join(map(str, versions))}")
    return meta


def read_archive(path, fmt, owner, versions=None):
    """(meta, {key: ndarray}) of the whole file: :func:`open_archive` then every member
    (for small files, e.g. optim states, and tests)."""
    with open_archive(path, fmt, owner, versions) as a:
        return a.meta, {k: a.read(k) for k in a.members}


def expect(cond, owner, path, what):
    if not cond:
        raise ValueError(f"{owner}: {path} is damaged: {what}")
