"""How many threads nncore's compiled predict and training step may use.

The default is 1: nncore starts no threads of its own unless asked, so it never
competes with NumPy's BLAS, Dask's worker threads or your own thread pool.
``NNCORE_NUM_THREADS`` sets the number at import; :func:`set_num_threads` changes
it at run time.  Batches of 32 rows or more are split across the threads, in
equal shares (each row's result is the same whatever the thread count).

Guards keep a thread count from harming the process.  GNU OpenMP ends the whole
process when it cannot create a thread, so the count is capped at the CPUs the
process may run on, at OpenMP's ``OMP_THREAD_LIMIT`` and at what the system lets
it start (tried with short-lived threads).  The system's allowance can shrink
later (another library's threads, a lowered ``ulimit``), so before a parallel
call needs more threads than the calling thread's OpenMP team already has, the
extra threads are tried again, and the call uses only those that could start.
Each call also honours OpenMP's per-thread limit (``OMP_NUM_THREADS``, or
threadpoolctl's ``threadpool_limits``, which sets it through
``omp_set_num_threads``).  A forked child goes back to one thread (GNU OpenMP's
pool does not survive ``fork``, so a child using it would hang).
"""
import os
import threading
import time
import warnings

from . import _environment, _kernels


def set_num_threads(n):
    """Let the compiled ``predict`` (batches of 32 rows or more) and training step
    (each matrix product of 32 rows or more) use ``n`` threads.

    Results do not depend on the number of threads.

    Between parallel calls OpenMP's threads spin for a while before they sleep,
    which keeps training's many short steps fast on idle cores.  Where the cores
    are busy with other work, spinning threads take turns with it, and a training
    epoch can take several times as long as on one thread: there, keep 1 thread,
    or start Python with ``OMP_WAIT_POLICY=passive`` (threads sleep at once; on
    idle cores training then gains little from the second thread, ``predict`` on
    large batches still does).

    Parameters
    ----------
    n : int
        1 or more; capped at the CPUs the process may use and at the threads
        the system lets it start.  With a build without OpenMP (see
        :func:`nncore.show_config`) this has no effect.  A forked child starts
        with 1.

    Examples
    --------
    >>> import nncore
    >>> nncore.set_num_threads(2)
    >>> nncore.get_num_threads() in (1, 2)   # 1 on a build without OpenMP
    True
    >>> nncore.set_num_threads(1)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    n = min(n, _usable_cpus(), _omp_limits()[1])
    if _forked[0] and n > 1:
        warnings.warn("nncore: this process was forked after its parent used threads; OpenMP "
                      "cannot start threads again here, so nncore stays at 1",
                      RuntimeWarning, stacklevel=2)
        n = 1
    startable = _startable_threads(n - 1) + 1
    if startable < n:
        warnings.warn(f"nncore: only {startable} of {n} threads could be started; using "
                      f"{startable}", RuntimeWarning, stacklevel=2)
    _set(startable)


def _set(n):
    _kernels.impl.set_num_threads(n)
    if _kernels.impl is not _kernels._kernels_py:
        _kernels._kernels_py.set_num_threads(n)


def _omp_limits():
    """``(max_threads, thread_limit, dynamic)`` of OpenMP in the calling thread."""
    limits = getattr(_kernels.impl, "omp_limits", None)
    return limits() if limits is not None else (1 << 30, 1 << 30, False)


_team = threading.local()  # .size: threads in the calling thread's last OpenMP team


def _team_size(wanted):
    """Threads a parallel call from this thread may use: at most ``wanted``, within
    OpenMP's limits, and never more than can be started right now.

    GNU OpenMP keeps a team's threads between calls of the same thread and size, and
    creates threads only for a bigger team; those are tried here first, because
    OpenMP's own failure to create one ends the process.
    """
    max_threads, limit, dynamic = _omp_limits()
    wanted = max(1, min(wanted, max_threads, limit))
    have = 1 if dynamic else getattr(_team, "size", 1)  # a dynamic team may have shrunk
    if wanted > have:
        wanted = _startable_threads(wanted - 1) + 1
    _team.size = wanted
    return wanted


def _usable_cpus():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _startable_threads(n):
    """How many of ``n`` extra threads the system lets this process start right now."""
    started = []
    release = threading.Event()
    before = _os_threads()
    try:
        for _ in range(n):
            thread = threading.Thread(target=release.wait, daemon=True)
            thread.start()
            started.append(thread)
    except RuntimeError:  # "can't start new thread"
        pass
    finally:
        release.set()
        for thread in started:
            thread.join()
        _wait_for_exit(before)
    return len(started)


def _os_threads():
    """Threads of this process as the OS counts them (Linux), else None."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def _wait_for_exit(count, seconds=0.2):
    """Wait, briefly, until the process is back to ``count`` OS threads.

    A joined thread may not have left the OS yet, and until it has, its stack
    cannot be reused: OpenMP, creating its threads just after the trial ones,
    would then need new memory that the trial had no need of, and end the process
    if there is none."""
    if count is None:
        return
    deadline = time.monotonic() + seconds
    while _os_threads() > count and time.monotonic() < deadline:
        time.sleep(0.0005)


def get_num_threads():
    """The number of threads set by :func:`set_num_threads` (or ``NNCORE_NUM_THREADS``)."""
    return _kernels.impl.get_num_threads()


def _from_environment():
    value = _environment.num_threads()  # a bad value fails the import, naming the variable
    if value is not None:
        set_num_threads(value)


_forked = [False]


def _after_fork_in_child():
    _forked[0] = _forked[0] or get_num_threads() > 1
    _set(1)


if hasattr(_kernels.impl, "set_team_guard"):
    _kernels.impl.set_team_guard(_team_size)
_from_environment()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
