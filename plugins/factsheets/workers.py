"""Work spread over every core: reading the fact-sheet files, and writing the pages.

Workers are forked, so they share what this process holds copy-on-write and need nothing sent to
them. A worker that fails makes the whole run fail; the result is the same whatever the number of
workers: ``map_in_workers`` returns results in the items' order, and pages are written to their own
files.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_ITEMS_PER_WORKER = 500
"""Below this, starting a process costs more than it saves."""


RETURN_COST = 0.15
"""What pickling and sending results back adds to a worker's share, as a part of computing them
(reading fact sheets at 10,000 claims: 0.23 s for 1.6 s of work), so this process takes a little more."""


class WorkerFailed(RuntimeError):
    pass


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def for_each_in_workers(
    items: Sequence[Item],
    handle: Callable[[Item], Result | None],
    workers: int,
    progress: Callable[[float], None] | None = None,
    first: Callable[[], None] | None = None,
    costly: bool = False,
) -> list[Result]:
    """Call handle on every item, spread over up to `workers` processes (this one included); returns what
    handle returned other than None, in the items' order (the other workers send theirs back at the end).

    The items are shared out as the work goes: each process takes the next few items when it is done
    with its last ones (a `WorkQueue`), so that a costly item (the diagram of a large site takes
    seconds) does not keep one process busy while the others wait. first, if given, is other work this
    process does before it takes items, while the other workers have begun on them. progress, if given,
    is called in this process with the share of the items taken so far (0 to 1), ending at 1. costly says
    that a few items are worth a process each (an update's pages: the lists of the whole site); otherwise
    each process has MIN_ITEMS_PER_WORKER items at least.
    """
    workers = min(workers, len(items) if costly else len(items) // MIN_ITEMS_PER_WORKER)
    results: dict[int, Result] = {}
    if workers <= 1 or not hasattr(os, "fork"):
        if first:
            first()
        _handle_all(items, handle, progress, results)
        return list(results.values())
    with WorkQueue(len(items)) as queue:
        sys.stdout.flush()
        sys.stderr.flush()
        children = [_fork_taker(items, handle, queue) for _ in range(workers - 1)]
        failures = 0
        try:
            if first:
                first()
            _handle_taken(items, handle, queue, results, progress)
        finally:
            for pid, pipe in children:
                with os.fdopen(pipe, "rb") as stream:
                    blob = stream.read()
                if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 or not blob:
                    failures += 1
                else:
                    results.update(pickle.loads(blob))
    if failures:
        raise WorkerFailed(f"{failures} of {workers} page-writing processes failed (see above)")
    return [results[number] for number in sorted(results)]


def _fork_taker(items: Sequence[Item], handle: Callable[[Item], Result | None], queue: WorkQueue) -> tuple[int, int]:
    """A worker taking items from the queue; returns its pid and the pipe its results come back through."""

    def take() -> dict[int, Result]:
        results: dict[int, Result] = {}
        _handle_taken(items, handle, queue, results)
        return results

    return _fork_sending(take)


def _fork_sending(compute: Callable[[], object]) -> tuple[int, int]:
    """Run compute in a forked child, which sends what it returns back pickled through a pipe; returns the
    child's pid and the pipe's end to read."""
    read_end, write_end = os.pipe()

    def send() -> None:
        os.close(read_end)
        blob = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as stream:
            stream.write(blob)

    try:
        pid = _fork(send)
    except OSError:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    return pid, read_end


class WorkQueue:
    """The items' numbers in batches, handed out to whichever process asks first, across forks.

    The batches' starts are written into a pipe before the workers are forked; each process reads the
    next one (a read of 4 bytes from a pipe is never split between readers) until the pipe is empty.
    At most MAX_BATCHES batches, so that they all fit in the pipe's buffer (64 KB on Linux).
    """

    MAX_BATCHES = 8000
    TOKEN = struct.Struct("=I")

    def __init__(self, count: int) -> None:
        self.count = count
        self.batch = max(min(MIN_BATCH, count // 1000 + 1), -(-count // self.MAX_BATCHES))
        self.batches = -(-count // self.batch)

    def __enter__(self) -> WorkQueue:
        self.read_end, write_end = os.pipe()
        try:
            starts = b"".join(self.TOKEN.pack(start) for start in range(0, self.count, self.batch))
            written = os.write(write_end, starts)
        finally:
            os.close(write_end)
        if written != len(starts):
            os.close(self.read_end)
            raise OSError("the work queue did not fit in a pipe")
        return self

    def take(self) -> range | None:
        """The next batch of item numbers, or None when every batch has been taken."""
        token = os.read(self.read_end, self.TOKEN.size)
        if not token:
            return None
        (start,) = self.TOKEN.unpack(token)
        return range(start, min(start + self.batch, self.count))

    def __exit__(self, *exception: object) -> None:
        os.close(self.read_end)


MIN_BATCH = 4
"""Items a process takes at a time at least, of a thousand items or more (of fewer, one at a time): few enough
that the processes end within a page of each other."""


def _handle_taken(
    items: Sequence[Item],
    handle: Callable[[Item], Result | None],
    queue: WorkQueue,
    results: dict[int, Result],
    progress=None,
) -> None:
    taken = 0
    while (batch := queue.take()) is not None:
        for number in batch:
            if (result := handle(items[number])) is not None:
                results[number] = result
        taken += 1
        if progress and taken % max(1, queue.batches // 200) == 0:
            progress(min(1.0, batch.stop / queue.count))
    if progress:
        progress(1.0)


def _handle_all(
    items: Sequence[Item], handle: Callable[[Item], Result | None], progress, results: dict[int, Result]
) -> None:
    step = max(1, -(-len(items) // 100))  # about a hundred updates at most
    for done, item in enumerate(items, start=1):
        if (result := handle(item)) is not None:
            results[done - 1] = result
        if progress and (done % step == 0 or done == len(items)):
            progress(done / len(items))


def _fork(work: Callable[[], None]) -> int:
    """Run work in a forked child, which exits 0, or 1 after printing its traceback; returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    status = 0
    try:
        work()
    except BaseException:
        # Straight to the file descriptor: a lock on sys.stderr (a progress display's, say) may have
        # been held by another thread at the fork, and would never be released in this process.
        os.write(2, traceback.format_exc().encode(errors="replace"))
        status = 1
    finally:
        os._exit(status)


def map_in_workers(
    items: Sequence[Item], function: Callable[[Item], Result], workers: int, weight: Callable[[Item], int]
) -> list[Result]:
    """function(item) for every item, in the items' order, computed in up to `workers` processes.

    The items are shared out by weight (the heaviest first, each to the lightest share); this process
    computes the first share, and each other worker sends its results back pickled through a pipe
    (which costs it RETURN_COST more).
    """
    workers = min(workers, len(items))
    if workers <= 1 or not hasattr(os, "fork"):
        return [function(item) for item in items]
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for index in sorted(range(len(items)), key=lambda index: -weight(items[index])):
        lightest = loads.index(min(loads))
        shares[lightest].append(index)
        loads[lightest] += weight(items[index]) * (1 if lightest == 0 else 1 + RETURN_COST)
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []
    try:
        for share in shares[1:]:
            children.append(_fork_mapper([items[index] for index in share], function))
    except OSError:  # no more processes: end the ones started, then fail
        for pid, pipe in children:
            os.close(pipe)
            os.waitpid(pid, 0)
        raise
    results: list[Result | None] = [None] * len(items)
    failures = 0
    try:
        for index in shares[0]:
            results[index] = function(items[index])
    finally:
        for (pid, pipe), share in zip(children, shares[1:], strict=True):
            with os.fdopen(pipe, "rb") as stream:
                blob = stream.read()
            if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 or not blob:
                failures += 1
                continue
            for index, result in zip(share, pickle.loads(blob), strict=True):
                results[index] = result
    if failures:
        raise WorkerFailed(f"{failures} of {workers} worker processes failed (see above)")
    return results  # type: ignore[return-value]


def _fork_mapper(share: Sequence[Item], function: Callable[[Item], Result]) -> tuple[int, int]:
    """A worker computing function over its share; returns its pid and the pipe its results come through."""
    return _fork_sending(lambda: [function(item) for item in share])
