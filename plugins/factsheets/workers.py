"""Writing pages on every core: the pages are independent, so each worker process writes a share.

Workers are forked after the site is read, so they share the graph copy-on-write and need nothing
sent to them. A worker that fails makes the whole build fail; the output is the same byte for byte
whatever the number of workers.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")

MIN_ITEMS_PER_WORKER = 500
"""Below this, starting a process costs more than it saves."""


class WorkerFailed(RuntimeError):
    pass


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def for_each_in_workers(
    items: Sequence[Item],
    handle: Callable[[Item], None],
    workers: int,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Call handle on every item, spread over up to `workers` processes (this one included).

    progress, if given, is called in this process with the share of its items done so far (0 to 1);
    the shares are even, so it stands for the whole run.
    """
    workers = min(workers, len(items) // MIN_ITEMS_PER_WORKER)
    if workers <= 1 or not hasattr(os, "fork"):
        _handle_all(items, handle, progress)
        return
    shares = [items[index::workers] for index in range(workers)]
    sys.stdout.flush()
    sys.stderr.flush()
    children = [_fork_worker(share, handle) for share in shares[1:]]
    try:
        _handle_all(shares[0], handle, progress)
    finally:
        failures = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 for pid in children)
    if failures:
        raise WorkerFailed(f"{failures} of {workers} page-writing processes failed (see above)")


def _handle_all(items: Sequence[Item], handle: Callable[[Item], None], progress) -> None:
    step = max(1, -(-len(items) // 100))  # about a hundred updates at most
    for done, item in enumerate(items, start=1):
        handle(item)
        if progress and (done % step == 0 or done == len(items)):
            progress(done / len(items))


def _fork_worker(share: Sequence[Item], handle: Callable[[Item], None]) -> int:
    pid = os.fork()
    if pid:
        return pid
    status = 0
    try:
        for item in share:
            handle(item)
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
