"""Run already-migrated TF1 corpus programs in ONE Python process and write a JSON report.

Usage::

    python tests/tf1/corpus/run_migrated.py --report report.json migrated/a.py migrated/b.py ...
    python tests/tf1/corpus/run_migrated.py --report report.json --migrate-into out/ \
        --first check.py tests/tf1/corpus/a.py ...

With ``--migrate-into DIR`` the programs are TF1 originals: all of them are first
migrated with :func:`tfgraph_dnn.migrate.migrate_source` into ``DIR`` (the
originals are only read), then the migrated copies run; each entry gets a
``"migration"`` record (``error``, ``code``, ``unsupported``, ``changes``).
``--first PATH`` scripts run as they are, before the programs, ``--last PATH`` ones
after.  ``--bare`` leaves ``TF_CPP_MIN_LOG_LEVEL`` and the first import of TensorFlow
to the first script (for checks whose behaviour is what a fresh process prints).

TensorFlow is imported once.  Each program then runs as a script would: fresh
globals through ``runpy.run_path(path, run_name="__main__")``, ``sys.argv ==
[path]``, its directory first on ``sys.path``.  Between programs the default
graph is reset (through ``tfgraph_dnn.tf1.reset_default_graph`` once a program
has imported that namespace, else ``tf.compat.v1.reset_default_graph``); the
programs are *not* wrapped in ``with tf.Graph().as_default()``, so their own
top-level ``tf.reset_default_graph()`` must work.  The absl flags a program
defined (``tf.app.flags.DEFINE_*``) are undefined after it, as if it had run in
its own process.

Every exception is caught.  ``SystemExit`` with code 0/None (``tf.app.run()``
ends that way) counts as success.  A program still running after
``--timeout`` seconds is interrupted with ``TimeoutError``.  Each program's
stdout and stderr are captured at the file-descriptor level (so C++ and absl
logging are caught too).

The report maps each program's name (file stem) to::

    {"ok": bool, "error": "<traceback tail or null>", "seconds": float,
     "stdout": "<captured stdout>", "stderr": "<tail of captured stderr>"}

It is rewritten (atomically) after every program, so a hard crash of the process
still leaves the results so far, and a reader may poll it for one program's entry.
Exit status: 0 if every program ran ok, 1 otherwise.
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


class _Captured:
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
        except Exception:  # a program may have replaced or closed them
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


def _on_timeout(signum, frame):
    raise TimeoutError("program still running after the runner's --timeout")


def _reset_default_graph():
    """Give the next program a fresh default graph; return a warning text or None."""
    tf1 = sys.modules.get("tfgraph_dnn.tf1")
    reset = getattr(tf1, "reset_default_graph", None)
    if reset is None:
        import tensorflow as tf
        reset = tf.compat.v1.reset_default_graph
    try:
        reset()
    except Exception:  # e.g. a program left a nested graph context open
        return "reset_default_graph failed after this program:\n" + traceback.format_exc(limit=3)
    return None


def _tail(text, lines):
    parts = text.rstrip().splitlines()
    return "\n".join(parts[-lines:])


def _flag_names():
    """The names of the absl flags defined so far (``tf.app.flags`` is absl's registry)."""
    from absl import flags
    return set(flags.FLAGS)


def _forget_flags(before):
    """Undefine the flags a program defined: each TF1 script ran in its own process, so two
    scripts may both ``DEFINE_integer("train_steps", ...)``."""
    from absl import flags
    for name in _flag_names() - before:
        if name in flags.FLAGS:
            delattr(flags.FLAGS, name)


def run_one(path, timeout):
    """Run one program; return its report entry."""
    name = os.path.splitext(os.path.basename(path))[0]
    flags_before = _flag_names()
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    ok, error = False, None
    start = time.perf_counter()
    capture = _Captured()
    with capture:
        previous = signal.signal(signal.SIGALRM, _on_timeout)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            runpy.run_path(path, run_name="__main__")
            ok = True
        except SystemExit as exit_:
            if exit_.code in (None, 0):
                ok = True
            else:
                error = "SystemExit(%r)\n%s" % (exit_.code,
                                               _tail(traceback.format_exc(), ERROR_TAIL_LINES))
        except BaseException as exc:  # noqa: BLE001 - every failure goes into the report
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = _tail(traceback.format_exc(), ERROR_TAIL_LINES)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            sys.argv, sys.path[:] = saved_argv, saved_path
    seconds = time.perf_counter() - start
    _forget_flags(flags_before)
    warning = _reset_default_graph()
    entry = {
        "ok": ok,
        "error": error,
        "seconds": round(seconds, 3),
        "stdout": capture.stdout[-STDOUT_MAX_CHARS:],
        "stderr": capture.stderr[-STDERR_TAIL_CHARS:],
    }
    if warning:
        entry["runner_warning"] = warning
    return name, entry


def migrate_one(original, out_dir):
    """Migrate ``original`` into ``out_dir``: ``(path to run or None, migration record)``."""
    from tfgraph_dnn.migrate import migrate_source

    try:
        with open(original, encoding="utf-8") as handle:
            result = migrate_source(handle.read(), original)
    except Exception:  # noqa: BLE001 - reported for this program, the others go on
        return None, {"error": traceback.format_exc()}
    target = os.path.join(out_dir, os.path.basename(original))
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(result.code)
    return target, {"error": None, "code": result.code,
                    "unsupported": [str(item) for item in result.unsupported],
                    "changes": [str(item) for item in result.changes]}


def _write(report, path):
    """Replace the report at ``path`` in one step (a reader never sees half a file)."""
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    os.replace(partial, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programs", nargs="*", help="migrated program files (or originals, "
                        "with --migrate-into)")
    parser.add_argument("--report", required=True, help="where to write the JSON report")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds one program may run (default 120)")
    parser.add_argument("--migrate-into", metavar="DIR",
                        help="migrate the programs (TF1 originals) into DIR first")
    parser.add_argument("--first", action="append", default=[], metavar="PATH",
                        help="a script to run as it is, before the programs (repeatable)")
    parser.add_argument("--last", action="append", default=[], metavar="PATH",
                        help="a script to run as it is, after the programs (repeatable)")
    parser.add_argument("--bare", action="store_true",
                        help="neither set TF_CPP_MIN_LOG_LEVEL nor import TensorFlow up front")
    args = parser.parse_args(argv)
    if not args.programs and not args.first and not args.last:
        parser.error("nothing to run: give programs or --first / --last scripts")

    if not args.bare:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow  # noqa: F401 - imported once, up front, for every program

    report = {}
    for path in args.first:
        name, entry = run_one(path, args.timeout)
        report[name] = entry
        _write(report, args.report)
    if args.migrate_into:  # every program migrated before any runs
        migrated = [(path, *migrate_one(path, args.migrate_into)) for path in args.programs]
    else:
        migrated = [(path, path, None) for path in args.programs]
    migrated += [(path, path, None) for path in args.last]
    for original, path, record in migrated:
        if path is None:
            name = os.path.splitext(os.path.basename(original))[0]
            entry = {"ok": False, "error": "not run: migration failed", "seconds": 0.0,
                     "stdout": "", "stderr": ""}
        else:
            name, entry = run_one(path, args.timeout)
        if record is not None:
            entry["migration"] = record
        report[name] = entry
        _write(report, args.report)
        status = "ok  " if entry["ok"] else "FAIL"
        last = entry["error"].strip().splitlines()[-1] if entry["error"] else ""
        print("%s %6.2fs %s %s" % (status, entry["seconds"], name, last), flush=True)

    failed = [name for name, entry in report.items() if not entry["ok"]]
    print("%d/%d programs ok" % (len(report) - len(failed), len(report)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
