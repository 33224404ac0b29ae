"""Where independent tasks run: local processes (joblib/loky) or a Dask cluster.

There is one level of parallelism: tasks. A task's kernel code runs single-threaded
(``n_threads=1``) whenever tasks run side by side, so levels never nest. The same
tasks run on a Dask cluster through joblib's dask backend.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import joblib

from rntk_bench.errors import InputError

__all__ = ["Executor", "executor"]


@dataclass
class Executor:
    """Runs tasks and yields their results as they finish (in any order).

    Attributes
    ----------
    n_jobs : int
        Parallel workers (joblib semantics: -1 = all cores).
    description : str
        For logs and result files ("loky x 2", "dask tcp://...").
    """

    n_jobs: int
    description: str
    backend: str = "loky"

    @property
    def parallel(self) -> bool:
        return self.backend == "dask" or joblib.effective_n_jobs(self.n_jobs) > 1

    def map_unordered(self, function: Callable[..., Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """``function(task)`` for every task; results in completion order."""
        calls = (joblib.delayed(function)(task) for task in tasks)
        if not self.parallel:
            for call in calls:
                func, args, kwargs = call
                yield func(*args, **kwargs)
            return
        runner = joblib.Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
        yield from runner(calls)


_POLL_S = 0.5
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _start_watchdog(parent: int) -> None:
    """Worker initializer: end this worker as soon as the run's process is gone.

    A loky worker (busy with a long task, or idle on its queue) would otherwise
    outlive a parent killed with SIGKILL, computing for nobody. On Linux the kernel
    is asked to SIGKILL the worker when its parent dies (PR_SET_PDEATHSIG: works even
    inside compiled code that holds the GIL); elsewhere, and as a second line, a
    daemon thread polls the parent's pid and exits when the worker is re-parented.
    The initializer is set for the run's own loky workers only, so a worker whose
    parent is not the run was orphaned while it started up: it exits.
    """
    if os.getppid() != parent:
        os._exit(1)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the thread below remains
            pass
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_POLL_S)
    os._exit(1)


@contextmanager
def executor(
    n_jobs: int = -1, dask_scheduler: str | None = None, dask_local: int | None = None
) -> Iterator[Executor]:
    """Context in which tasks run locally or on a Dask cluster.

    Parameters
    ----------
    n_jobs : int
        Local worker processes (-1: all cores). Ignored with Dask.
    dask_scheduler : str, optional
        Address of a running Dask scheduler, e.g. "tcp://10.0.0.5:8786".
    dask_local : int, optional
        Start a local Dask cluster with this many single-threaded worker processes.
    """
    if dask_local is not None and (
        isinstance(dask_local, bool) or not isinstance(dask_local, int) or dask_local < 1
    ):
        raise InputError(
            f"dask_local (--dask-local) must be a number of workers >= 1; got {dask_local!r}."
        )
    if dask_scheduler is not None and not str(dask_scheduler).strip():
        raise InputError("dask_scheduler (--dask-scheduler) is empty; give e.g. tcp://host:8786.")
    if dask_scheduler and dask_local:
        raise InputError("give either --dask-scheduler or --dask-local, not both.")
    if not (dask_scheduler or dask_local):
        if n_jobs == 0 or n_jobs < -1:
            raise InputError(f"n_jobs must be >= 1 or -1 (all cores); got {n_jobs}.")
        workers = joblib.effective_n_jobs(n_jobs)
        watchdog = {"initializer": _start_watchdog, "initargs": (os.getpid(),)}
        with joblib.parallel_config(backend="loky", **watchdog):
            yield Executor(n_jobs, f"local processes x {workers}")
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "Dask is not installed: pip install 'rntk-bench[dask]' (dask[distributed])."
        ) from None
    if dask_scheduler:
        # Parse the address before any Client exists: a Client that fails to start is
        # closed from its __del__, which can deadlock distributed's loop runner when the
        # garbage collector runs it while the next Client starts.
        from distributed.comm.addressing import get_address_host_port

        try:
            get_address_host_port(str(dask_scheduler))
        except ValueError as exc:
            raise InputError(
                f"--dask-scheduler {dask_scheduler!r} is not a Dask address "
                f"({' '.join(str(exc).split())}); give e.g. tcp://10.0.0.5:8786."
            ) from None
    cluster = None
    try:
        if dask_local:
            cluster = LocalCluster(
                n_workers=int(dask_local),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
            where = f"local Dask cluster x {dask_local}"
        else:
            client = Client(dask_scheduler, timeout="20s")
            where = f"Dask scheduler {dask_scheduler}"
    except (ValueError, TypeError) as exc:  # the address does not parse
        if cluster is not None:
            cluster.close()
        raise InputError(
            f"--dask-scheduler {dask_scheduler!r} is not a Dask address "
            f"({' '.join(str(exc).split())}); give e.g. tcp://10.0.0.5:8786."
        ) from None
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise InputError(f"cannot reach the Dask scheduler {dask_scheduler}: {exc}") from None
    try:
        with joblib.parallel_config(backend="dask"):
            yield Executor(-1, where, backend="dask")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
