"""Who may use a data directory: `cheptel serve` shares it, `cheptel teardown` takes it whole.

Both lock DATA_DIR/serve.lock with flock(2), which the kernel releases when the process
ends however it ends (a kill -9 too), so a lock is never stale. Every `cheptel serve`
holds a shared lock for as long as it runs (several may serve one data dir, as before);
`cheptel teardown` takes the lock exclusively and without waiting, so it refuses while
any serve of that data dir runs, and a serve refuses to start while a teardown runs.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

LOCK_NAME = "serve.lock"


class Busy(Exception):
    """Another process holds the data directory in a way that excludes this one."""


def _open(data_dir: Path) -> IO[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return open(data_dir / LOCK_NAME, "a")  # noqa: SIM115 - held open by the caller


def hold_serving(data_dir: Path) -> IO[str]:
    """Take the shared lock for a serving process; keep the returned file open (and
    referenced) while serving. Raises Busy while a teardown of this data dir runs."""
    fh = _open(data_dir)
    try:
        fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise Busy(f"a `cheptel teardown` of {data_dir} is running") from None
    return fh


@contextmanager
def exclusive(data_dir: Path) -> Iterator[None]:
    """The data dir to this process alone. Raises Busy while a `cheptel serve` of it runs
    (or another teardown)."""
    with _open(data_dir) as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"a `cheptel serve` of {data_dir} is running: stop it first "
                       "(its servers keep running and stay isolated until the teardown)"
                       ) from None
        yield
