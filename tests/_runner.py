"""Run calls and scripts one after another in ONE Python process; report each as JSON.

Usage (``_background.Background`` starts it; the TF1 front-end ``tf1/corpus/run_migrated.py``
uses :func:`run_job` and :func:`run_jobs` with its own migration and graph reset)::

    python tests/_runner.py --report report.json --jobs jobs.json

Every new process that imports TensorFlow costs ~5 s: the checks that need a process of
their own (a quiet start-up, nothing imported yet, a process in TF1 mode) share one, each
job as if it were a process of its own as far as its output goes.  A job is a dict:

* ``"run_path": script, "argv": [...]`` -- the script (relative: to the job's ``cwd``) run
  as ``__main__``, ``sys.argv == [script, *argv]``, its directory first on ``sys.path``; or ``"call": "module:function",
  "argv": [...]`` -- ``function(argv)``, its return value the exit code (the import too is
  the job's: what it prints is captured);
* optional ``"name"`` (its key in the report; default the script's stem), ``"cwd"``
  (relative: to the runner's working directory; created if missing, restored after),
  ``"wait_for"`` (a path the job waits for, written meanwhile by the test process),
  ``"capture": False`` (the job writes to the process's own fds 1 and 2), ``"timeout"``
  (seconds, then ``TimeoutError``), ``"watch"`` (module names: were they imported after
  the job?).

Each job's fds 1 and 2 are captured (C++ and absl logging too).  Its entry::

    {"ok": bool, "returncode": int, "error": "<traceback tail or null>", "seconds": float,
     "stdout": "...", "stderr": "<tail>", "modules": {name: bool}}

A failing job's traceback (or ``SystemExit``'s text) goes to its stderr as Python prints it.
The report is rewritten atomically after every job: a crash leaves the results so far, and
the test process may poll it for one job's entry.
"""
from __future__ import annotations

import argparse
import json
import os
import runpy
import signal
import sys
import tempfile
import time
import traceback

ERROR_TAIL_LINES = 40
STDERR_TAIL_CHARS = 6000
STDOUT_MAX_CHARS = 200000  # a check script may print a long JSON line


class Captured:
    """Redirect fds 1 and 2 into temporary files for the duration of a ``with`` block."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self._files = [tempfile.TemporaryFile(mode="w+b"), tempfile.TemporaryFile(mode="w+b")]
        self._saved = [os.dup(1), os.dup(2)]
        os.dup2(self._files[0].fileno(), 1)
        os.dup2(self._files[1].fileno(), 2)
        return self

    def __exit__(self, *exc):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # a job may have replaced or closed them
            pass
        os.dup2(self._saved[0], 1)
        os.dup2(self._saved[1], 2)
        for fd in self._saved:
            os.close(fd)
        self.stdout, self.stderr = (self._read(f) for f in self._files)
        return False

    @staticmethod
    def _read(handle):
        handle.seek(0)
        text = handle.read().decode("utf-8", errors="replace")
        handle.close()
        return text


def job_name(job: dict) -> str:
    return job.get("name") or os.path.splitext(os.path.basename(job["run_path"]))[0]


def _on_timeout(signum, frame):
    raise TimeoutError("job still running after its timeout")


def _tail(text, lines):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _call(job: dict):
    """Run the job's script or function; its exit code, and the error text or None."""
    argv = [str(arg) for arg in job.get("argv", [])]
    try:
        if "call" in job:
            module, function = job["call"].split(":")
            __import__(module)
            code = getattr(sys.modules[module], function)(argv)
        else:
            sys.argv = [job["run_path"]] + argv
            sys.path.insert(0, os.path.dirname(os.path.abspath(job["run_path"])))
            runpy.run_path(job["run_path"], run_name="__main__")
            code = 0
    except SystemExit as exit_:
        code = exit_.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)  # as Python does with sys.exit("message")
            code = 1
        code = code or 0
        if code:
            return code, "SystemExit(%r)\n%s" % (code, _tail(traceback.format_exc(),
                                                             ERROR_TAIL_LINES))
        return 0, None
    except BaseException as exc:  # noqa: BLE001 - every failure goes into the report
        if isinstance(exc, KeyboardInterrupt):
            raise
        traceback.print_exc()  # on the job's stderr, as an uncaught exception would be
        return 1, _tail(traceback.format_exc(), ERROR_TAIL_LINES)
    return (code or 0), None


def run_job(job: dict) -> dict:
    """Run one job (see the module docstring); return its report entry."""
    home, saved_argv, saved_path = os.getcwd(), sys.argv[:], sys.path[:]
    if job.get("cwd"):
        os.makedirs(job["cwd"], exist_ok=True)
        os.chdir(job["cwd"])
    deadline = time.monotonic() + 600
    while not os.path.exists(job.get("wait_for", ".")) and time.monotonic() < deadline:
        time.sleep(0.05)  # a file the test process writes while this one starts
    start = time.perf_counter()
    previous = signal.signal(signal.SIGALRM, _on_timeout)
    signal.setitimer(signal.ITIMER_REAL, job.get("timeout") or 0)
    capture = Captured() if job.get("capture", True) else None
    try:
        if capture is None:
            code, error = _call(job)
        else:
            with capture:
                code, error = _call(job)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.argv, sys.path[:] = saved_argv, saved_path
        os.chdir(home)
    return {"ok": code == 0, "returncode": code, "error": error,
            "seconds": round(time.perf_counter() - start, 3),
            "stdout": capture.stdout[-STDOUT_MAX_CHARS:] if capture else "",
            "stderr": capture.stderr[-STDERR_TAIL_CHARS:] if capture else "",
            "modules": {name: name in sys.modules for name in job.get("watch", ())}}


def write_report(report: dict, path: str) -> None:
    """Replace the report at ``path`` in one step (a reader never sees half a file)."""
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    os.replace(partial, path)


def run_jobs(jobs, report_path: str, report=None, run=run_job, log=None) -> dict:
    """Run ``jobs`` in order with ``run``, adding each entry to ``report`` and writing it;
    ``log(name, entry)`` after each."""
    report = {} if report is None else report
    for job in jobs:
        name = job_name(job)
        report[name] = run(job)
        write_report(report, report_path)
        if log:
            log(name, report[name])
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", required=True, help="where to write the JSON report")
    parser.add_argument("--jobs", required=True, help="a JSON list of jobs")
    args = parser.parse_args(argv)
    with open(args.jobs, encoding="utf-8") as handle:
        run_jobs(json.load(handle), args.report)
    return 0  # each job's outcome is in the report


if __name__ == "__main__":
    sys.path[0] = ""  # as ``python -c``: the working directory, not tests/
    sys.exit(main())
