"""Progress display for the training loop: a tqdm bar (when tqdm is installed and stderr
is a terminal), else a plain carriage-return line on a terminal, else nothing; and the
``bigdl_py.optim`` logger that receives the per-epoch lines."""
import logging
import sys
import time

__all__ = ["Progress", "log"]

log = logging.getLogger("bigdl_py.optim")


class Progress:
    """A tqdm bar over one epoch's iterations when tqdm is installed and stderr is a
    terminal; else a plain carriage-return line on a terminal; nothing otherwise."""

    try:
        from tqdm import tqdm as _tqdm
    except ImportError:  # pragma: no cover - depends on the environment
        _tqdm = None

    def __init__(self, epoch, total):
        self.tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self.bar, self.done, self.total, self.epoch, self.last = None, 0, total, epoch, 0.0
        if self.tty and self._tqdm is not None:
            self.bar = self._tqdm(total=total, desc=f"epoch {epoch}", leave=False,
                                  file=sys.stderr, unit="it")

    def update(self, loss, steps=1):
        self.done += steps
        if self.bar is not None:
            self.bar.update(steps)
            if self.done % 10 < steps:
                self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        elif self.tty and (time.perf_counter() - self.last > 0.2 or self.done == self.total):
            self.last = time.perf_counter()
            sys.stderr.write(f"\repoch {self.epoch}: {self.done}/{self.total}  loss {loss:.4f}")
            sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif self.tty and self.done:
            sys.stderr.write("\r\033[K")
            self.done = 0

    @classmethod
    def report(cls, line):
        """Log ``line`` at INFO on ``bigdl_py.optim``; also write it to stderr unless
        logging is configured to handle it (so it is never shown twice)."""
        log.info(line)
        if log.isEnabledFor(logging.INFO) and log.hasHandlers():
            return
        if cls._tqdm is not None:
            cls._tqdm.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)
