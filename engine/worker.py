"""Training jobs in a worker process: the window keeps its own interpreter, and a
job that dies (killed for memory, a segfault or a CUDA error in native code)
takes only its worker down.

A :class:`WorkerPool` keeps ONE warm worker: a spawned process that has
imported torch and the training loop before any job is asked for, so a job
starts without paying the import (seconds).  :meth:`WorkerPool.run` has the
shape of :func:`engine.jobs.execute`: the worker looks the job up by its
registry name (or ``module:attribute`` for a job outside the registry),
rebuilds the params from their dict and calls ``execute``; its events come back
in batches over a pipe and go to the caller's sinks; the caller's
:class:`RunControl` is watched and every pause, resume, stop early and cancel
is sent to the worker, whose own RunControl the job obeys.  Each worker runs
one job and exits (the next job gets fresh memory); the pool starts a new warm
worker when a job ends or its worker dies.  A bench may have the warm worker
read its checked data ahead (:meth:`WorkerPool.prefetch`), so Start does not
wait for the file either.

When the worker dies, the pool reads the cause from its exit code, marks the
run failed in its folder with that cause and the peak memory (the last good
checkpoint is left as it is), and reports a ``Failed`` event.

Memory guard: the parent reads the worker's resident memory from
``/proc/<pid>/status`` ten times a second and kills the worker past the limit
(:func:`engine.memory.limit_bytes`: ``KEXUE_MAX_MEMORY_GB``, default 80 % of
physical memory).  Not ``RLIMIT_AS``: CUDA and glibc's per-thread arenas
reserve far more address space than they touch (CUDA maps the whole device's
virtual range), so an address-space limit fails healthy GPU runs, while the
resident set is the memory the machine actually gives.  The kernel's own
high-water mark (``VmHWM``) gives the peak to report.  Where there is no
``/proc`` (macOS, Windows) there is no guard; the estimates of
:mod:`engine.memory` still refuse what cannot fit before a run starts.

Written by hand: multiprocessing gives the process and pipes, not a warm pool
with job control, death causes and a memory watchdog.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import multiprocessing as mp
import multiprocessing.connection as mpc
import multiprocessing.util  # noqa: F401 - imported first, so the pool's exit handler runs before its join
import os
import queue
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from engine import events as ev
from engine import memory
from engine import params as prm
from engine.control import RunControl
from engine.errors import UserError
from engine.jobs import Job, Outcome, execute
from engine.runs import RunLocked, RunStore

# imported by a warm worker before it is given a job: torch and what every training job uses
PRELOAD = ("torch", "engine.train.loop", "engine.train.setup", "engine.data.images")
LOOK_EVERY = 0.1  # seconds between looks at the worker's memory
POLL = 0.05  # seconds the parent waits for events before looking at the controls again


class JobRefused(UserError):
    """The worker could not start the run (params, data, a locked or damaged run folder): the
    worker's own one-line message; ``details`` holds its traceback."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class WorkerDied(UserError):
    """The worker died before the run had a folder to record it."""


def job_target(job: Job) -> str | None:
    """How a worker finds ``job``: its registry name, else ``module:attribute`` of the module that
    defines its ``run``; None when neither names this very job (a job built inside a function)."""
    from engine import registry

    try:
        if registry.load(job.name) is job:
            return job.name
    except (KeyError, ImportError, AttributeError):
        pass
    module = sys.modules.get(getattr(job.run, "__module__", ""))
    for attr, value in vars(module).items() if module is not None else ():
        if value is job:
            return f"{module.__name__}:{attr}"
    return None


def _attribute(target: str) -> Any:
    """What ``module:attribute`` names."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _load_job(target: str) -> Job:
    if ":" not in target:
        from engine import registry

        return registry.load(target)
    return _attribute(target)


# -- the worker's side ----------------------------------------------------------------------


class _Outbox:
    """The job's sink in the worker: events go to a queue, and a thread sends what has gathered
    as one message, so the training thread never waits on the pipe or pickles a picture.

    ``Started`` alone waits until it is sent: the parent must know the run's folder before the
    job can crash the worker."""

    def __init__(self, conn: mpc.Connection) -> None:
        self._conn = conn
        self._queue: queue.SimpleQueue[ev.Event | threading.Event | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send, name="job-events", daemon=True)
        self._thread.start()

    def __call__(self, event: ev.Event) -> None:
        self._queue.put(event)
        if isinstance(event, ev.Started):
            self.flush()

    def flush(self) -> None:
        """Return once every event so far is sent (or the parent is gone)."""
        sent = threading.Event()
        self._queue.put(sent)
        sent.wait()

    def _send(self) -> None:
        parent_there, end = True, False
        while not end:
            batch, flushes = [], []
            item = self._queue.get()
            while True:
                if item is None:
                    end = True
                elif isinstance(item, threading.Event):
                    flushes.append(item)
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch and parent_there:
                try:
                    self._conn.send(("events", batch))
                except OSError:
                    parent_there = False  # the job is being cancelled (see _obey); drop what is left
            for flush in flushes:
                flush.set()

    def close(self) -> None:
        """Send what is left, then return."""
        self._queue.put(None)
        self._thread.join()


def _obey(conn: mpc.Connection, control: RunControl) -> None:
    """Apply the parent's commands to the job's control; a parent gone cancels the job."""
    actions = {"pause": control.pause, "resume": control.resume, "stop": control.request_stop,
               "cancel": control.cancel}
    while True:
        try:
            command = conn.recv()
        except (EOFError, OSError):
            control.cancel()
            return
        action = actions.get(command)
        if action is not None:
            action()


def _serve(commands: mpc.Connection, events: mpc.Connection, threads: int | None,
           preload: tuple[str, ...], preload_jobs: bool) -> None:
    """A worker's life: import ahead, say ready, run one job, report how it ended, exit.

    It leaves by ``os._exit``: everything is reported and written by then, and the normal
    teardown of an interpreter holding torch takes seconds."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is the parent's to handle
    code = 0
    try:
        for name in preload:
            importlib.import_module(name)
        if preload_jobs:
            from engine import registry

            for entry in registry.entries("train"):
                try:
                    entry.load()
                except Exception:  # noqa: BLE001 - that job reports its own import error when asked for
                    pass
        if "torch" in sys.modules:
            from engine import devices

            _set_threads(threads)
            devices.warm_up()  # torch's lazy imports inside the first optimizer step, done now
        gc.collect()
        gc.freeze()  # what is loaded now lives as long as the worker: never scanned by a collection again
        _tell(events, ("ready", os.getpid()))
        while True:
            try:
                command = commands.recv()
            except (EOFError, OSError):
                break  # the pool was closed before it needed this worker
            if command[0] == "prefetch":
                _prefetch(*command[1:])
                _tell(events, ("prefetched",))
                continue
            _tell(events, _run(command, commands, events, threads))
            break
    except BaseException:  # noqa: BLE001 - a broken worker (an import failed): its parent reports the exit code
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _prefetch(target: str, args: tuple) -> None:
    """Call ``target(*args)`` for what it leaves in memory (a dataset loader's cache)."""
    try:
        _attribute(target)(*args)
    except Exception:  # noqa: BLE001 - a run that needs it reports its own error
        pass


def _run(command: tuple, commands: mpc.Connection, events: mpc.Connection, threads: int | None) -> tuple:
    """Run the job ``command`` names; the message that says how it ended."""
    _, target, values, workspace, resume_dir, limit = command
    if limit is not None:
        memory.set_limit_gb(limit / 2**30)  # the job's own estimates refuse past the guard's limit
    control = RunControl()
    threading.Thread(target=_obey, args=(commands, control), name="job-control", daemon=True).start()
    outbox = _Outbox(events)
    try:
        job = _load_job(target)
        params = prm.from_dict(job.params, values)
        _set_threads(threads)  # again: a job module may have brought torch in only now
        out = execute(job, params, workspace, [outbox], control, resume_dir)
    except BaseException as exc:  # noqa: BLE001 - the run could not start: the parent says why
        lines = str(exc).strip().splitlines()
        message = lines[0] if lines else ""
        if not isinstance(exc, UserError):
            message = f"{exc.__class__.__name__}: {message}" if message else exc.__class__.__name__
        return "refused", message, traceback.format_exc()
    finally:
        outbox.close()
    return "outcome", out.status, str(out.run_dir), out.summary, out.error


def _set_threads(threads: int | None) -> None:
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def _tell(conn: mpc.Connection, message: Any) -> None:
    try:
        conn.send(message)
    except OSError:
        pass  # the parent is gone: nobody is left to tell


# -- the parent's side ----------------------------------------------------------------------


def memory_of(pid: int) -> tuple[int, int] | None:
    """(resident, peak resident) bytes of a live process, from /proc; None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    found = {}
    for line in text.splitlines():
        if line.startswith((b"VmRSS:", b"VmHWM:")):
            key, value = line.split(b":", 1)
            found[key] = int(value.split()[0]) * 1024  # kB
    if b"VmRSS" not in found:
        return None  # a zombie: its memory is gone already
    rss = found[b"VmRSS"]
    return rss, max(rss, found.get(b"VmHWM", rss))


def death_cause(exitcode: int | None, peak: int, over_limit: int | None = None) -> str:
    """One line saying why a worker ended without finishing its run."""
    used = f"peak {memory.gigabytes(peak)}" if peak else "peak memory unknown"
    if over_limit is not None:
        return (f"the job used {memory.gigabytes(peak)} of memory, more than the worker's limit of "
                f"{memory.gigabytes(over_limit)}, and was stopped; raise the limit with {memory.ENV} "
                f"or train a smaller model or batch")
    if exitcode is None or exitcode == 0:
        return f"the job process ended without finishing the run ({used})"
    if exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown signal"
        if number == getattr(signal, "SIGKILL", 9):
            return f"the job process was killed (signal {number}, {name}) — out of memory? {used}"
        return (f"the job process crashed (signal {number}, {name}) — a fault in native code "
                f"(a segfault, a CUDA error)? {used}")
    return f"the job process exited with code {exitcode} without finishing the run ({used})"


@dataclass
class _Run:
    """What the parent knows of a run while it follows it."""

    run_id: str | None = None
    run_dir: str | None = None
    step: int = 0
    peak: int = 0
    ended: ev.Finished | ev.Failed | None = None  # the run's own ending, when it came before the death


class Worker:
    """One spawned worker process and the two pipes to it."""

    def __init__(self, threads: int | None, preload: tuple[str, ...], preload_jobs: bool) -> None:
        ctx = mp.get_context("spawn")
        self.events, child_events = ctx.Pipe(duplex=False)
        child_commands, self._commands = ctx.Pipe(duplex=False)
        args = (child_commands, child_events, threads, preload, preload_jobs)
        self.process = ctx.Process(target=_serve, args=args, name="kexue-job-worker")
        self.process.start()
        child_events.close()  # the child holds the only writer: its death reads as end of file here
        child_commands.close()
        self.pid: int = self.process.pid
        self.ready = False  # it said so: what it preloads is imported
        self._prefetches = 0  # asked for and not yet done
        self.limit: int | None = None  # resident bytes past which it is killed
        self._send_lock = threading.Lock()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until an idle worker has imported what it preloads and done what it was asked to
        prefetch; False when it has not by ``timeout`` or died (start-up figures; a job never needs
        to wait for this)."""
        end = None if timeout is None else time.monotonic() + timeout
        try:
            while not self.ready or self._prefetches:
                if not self.events.poll(None if end is None else max(0.0, end - time.monotonic())):
                    return False
                kind = self.events.recv()[0]
                if kind == "ready":
                    self.ready = True
                elif kind == "prefetched":
                    self._prefetches -= 1
        except (EOFError, OSError):
            return False
        return True

    def prefetch(self, target: str, args: tuple) -> None:
        """Have an idle worker call ``target(*args)`` ahead of its job (see WorkerPool.prefetch)."""
        if self.command(("prefetch", target, args)):
            self._prefetches += 1

    def command(self, message: Any) -> bool:
        """Send ``message`` to the worker; False when it is gone."""
        try:
            with self._send_lock:
                self._commands.send(message)
            return True
        except (OSError, ValueError):
            return False

    def kill(self) -> None:
        """Kill the worker now (it cannot be asked): its follower reports the death."""
        if self.process.exitcode is None:
            self.process.kill()

    def close(self, wait: float = 2.0) -> None:
        """Let an idle worker go: closing its command pipe ends it; kill it if it lingers."""
        self._commands.close()
        self.process.join(wait)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join(wait)
        self.events.close()


class WorkerPool:
    """One warm worker at a time; jobs run in it through :meth:`run`.

    ``threads``: torch threads in each worker (None: torch's default there).  ``memory_limit``:
    bytes of resident memory past which a worker is killed (None: :func:`engine.memory.limit_bytes`
    when the job starts).  ``preload``: modules a worker imports before it is given a job, and with
    ``preload_jobs`` the module of every training job in the registry (the VAE's brings scipy.stats:
    seconds a Start would otherwise wait)."""

    def __init__(self, threads: int | None = None, memory_limit: int | None = None,
                 preload: Iterable[str] = PRELOAD, preload_jobs: bool = True) -> None:
        self.threads = threads
        self.memory_limit = memory_limit
        self.preload = tuple(preload)
        self.preload_jobs = preload_jobs
        self._idle: Worker | None = None
        self._running: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._prefetch: tuple[str, tuple] | None = None
        atexit.register(self.close)  # before multiprocessing's own exit handler joins the workers

    @property
    def idle(self) -> Worker | None:
        """The warm worker waiting for a job, if there is one."""
        return self._idle

    def warm(self) -> None:
        """Start a worker in the background if none waits (and the pool is open)."""
        with self._lock:
            if self._closed or self._idle is not None:
                return
            self._idle = Worker(self.threads, self.preload, self.preload_jobs)
            if self._prefetch is not None:
                self._idle.prefetch(*self._prefetch)

    def prefetch(self, target: str, *args: Any) -> None:
        """Have the warm worker, and each one after it, call ``target(*args)`` while it waits: the
        data a bench has checked (``"engine.data.images:load", path``) is then in the worker's
        memory when Start is pressed.  Errors are ignored there; the run reports its own."""
        with self._lock:
            self._prefetch = (target, args)
            if self._idle is not None:
                self._idle.prefetch(target, args)

    def _take(self) -> Worker:
        with self._lock:
            if self._closed:
                raise UserError("the job worker pool is closed")
            worker, self._idle = self._idle, None
            if worker is None or worker.process.exitcode is not None:
                if worker is not None:
                    worker.events.close()
                worker = Worker(self.threads, self.preload, self.preload_jobs)
            self._running.add(worker)
        return worker

    def submit(self, job: Job, params: Any, workspace: Path | str,
               resume_dir: Path | str | None = None) -> Worker:
        """Hand a job to the warm worker (or a new one); :meth:`follow` it to its end."""
        target = job_target(job)
        if target is None:
            raise UserError(f"the job '{job.name}' cannot be found by name in a worker process")
        limit = self.memory_limit if self.memory_limit is not None else memory.limit_bytes()
        worker = self._take()
        worker.limit = limit
        worker.command(("run", target, prm.to_dict(params), str(workspace),
                        None if resume_dir is None else str(resume_dir), limit))
        return worker

    def run(self, job: Job, params: Any, workspace: Path | str, sinks: Iterable[ev.Sink] = (),
            control: RunControl | None = None, resume_dir: Path | str | None = None) -> Outcome:
        """:func:`engine.jobs.execute` in a worker: the same events, controls and outcome, and
        raises :class:`JobRefused` where ``execute`` raises (the run could not start)."""
        return self.follow(self.submit(job, params, workspace, resume_dir), sinks, control or RunControl())

    def follow(self, worker: Worker, sinks: Iterable[ev.Sink], control: RunControl) -> Outcome:
        """Pass the worker's events to ``sinks`` and ``control``'s requests to the worker until the
        run ends; a fresh warm worker is started once it has."""
        try:
            return self._follow(worker, list(sinks), control)
        finally:
            worker.process.join(5.0)  # it exits once it has reported; a dead one is reaped here
            worker.events.close()
            with self._lock:
                self._running.discard(worker)
            self.warm()

    def _follow(self, worker: Worker, sinks: list[ev.Sink], control: RunControl) -> Outcome:
        run = _Run()
        sent = (False, False, False)  # paused, stop asked, cancel asked: as the worker was told
        limit = worker.limit
        over: int | None = None
        next_look = 0.0
        while True:
            state = (control.paused, control.stop_requested, control.cancel_requested)
            if state != sent:
                if state[0] != sent[0]:
                    worker.command("pause" if state[0] else "resume")
                if state[1] and not sent[1]:
                    worker.command("stop")
                if state[2] and not sent[2]:
                    worker.command("cancel")
                sent = state
            ready = mpc.wait([worker.events, worker.process.sentinel], POLL)
            if worker.events in ready or (ready and worker.events.poll(0)):
                try:
                    message = worker.events.recv()
                except (EOFError, OSError):  # the worker is gone, maybe in the middle of a message
                    break
                kind = message[0]
                if kind == "events":
                    self._deliver(message[1], run, sinks)
                elif kind == "outcome":
                    _, status, run_dir, summary, error = message
                    return Outcome(status, Path(run_dir), dict(summary), error)
                elif kind == "refused":
                    raise JobRefused(message[1], message[2])
                elif kind == "ready":
                    worker.ready = True
            elif ready:  # the process ended and nothing is left to read
                break
            now = time.monotonic()
            if now >= next_look:
                next_look = now + LOOK_EVERY
                seen = memory_of(worker.pid)
                if seen is not None:
                    rss, peak = seen
                    run.peak = max(run.peak, peak)
                    if limit is not None and rss > limit and over is None:
                        over = limit
                        worker.kill()
        worker.process.join(5.0)
        cause = death_cause(worker.process.exitcode, run.peak, over)
        return self._died(run, cause, sinks)

    @staticmethod
    def _deliver(batch: list[ev.Event], run: _Run, sinks: list[ev.Sink]) -> None:
        for event in batch:
            if isinstance(event, ev.Started):
                run.run_id, run.run_dir = event.run_id, event.run_dir
            elif isinstance(event, (ev.Finished, ev.Failed)):
                run.ended = event
            run.step = max(run.step, event.step)
            for sink in sinks:
                sink(event)

    @staticmethod
    def _died(run: _Run, cause: str, sinks: list[ev.Sink]) -> Outcome:
        """Record a dead worker's run as failed with ``cause``; its checkpoints stay as they are."""
        if run.run_dir is None:
            raise WorkerDied(cause)
        if isinstance(run.ended, ev.Finished):  # it died on its way out: the run itself is complete
            return Outcome(run.ended.status, Path(run.run_dir), dict(run.ended.summary))
        if isinstance(run.ended, ev.Failed):
            return Outcome("failed", Path(run.run_dir), error=run.ended.message)
        store = RunStore(Path(run.run_dir))
        store.last_step = run.step
        try:
            store.acquire_lock()  # the dead worker's lock went with it
            store.log("error", cause)
            store.write_status("failed", error=cause, peak_memory=run.peak or None)
        except (RunLocked, OSError):
            pass  # another process took the folder up already, or the disk refuses: the event still tells
        finally:
            store.close()
        failed = ev.Failed(run.run_id or Path(run.run_dir).name, run.step, cause, "")
        for sink in sinks:
            sink(failed)
        return Outcome("failed", Path(run.run_dir), error=cause)

    def kill_running(self) -> None:
        """Kill every worker that runs a job (their followers report them failed)."""
        with self._lock:
            running = list(self._running)
        for worker in running:
            worker.kill()

    def close(self) -> None:
        """Let the warm worker go and kill running ones; the pool starts no more workers."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, None
        if idle is not None:
            idle.close()
        self.kill_running()
        atexit.unregister(self.close)
