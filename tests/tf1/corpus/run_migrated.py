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

Each program runs as a :mod:`_runner` job (``tests/_runner.py``: fds 1 and 2
captured, every exception caught, ``SystemExit`` with code 0/None -- ``tf.app.run()``
ends that way -- a success, interrupted after ``--timeout`` seconds); the report,
rewritten after every program, maps its name (file stem) to the job's entry.
Exit status: 0 if every program ran ok, 1 otherwise.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback

# The shared part (fd capture, a job's run, the report) is tests/_runner.py.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import _runner  # noqa: E402

del sys.path[0]


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


def run_one(job):
    """Run one program (a :mod:`_runner` job, plus its ``"migration"`` record); its entry."""
    if job["run_path"] is None:
        entry = {"ok": False, "error": "not run: migration failed", "seconds": 0.0,
                 "stdout": "", "stderr": ""}
    else:
        flags_before = _flag_names()
        entry = _runner.run_job(job)
        _forget_flags(flags_before)
        warning = _reset_default_graph()
        if warning:
            entry["runner_warning"] = warning
    if job.get("migration") is not None:
        entry["migration"] = job["migration"]
    return entry


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


def _print_status(name, entry):
    status = "ok  " if entry["ok"] else "FAIL"
    last = entry["error"].strip().splitlines()[-1] if entry["error"] else ""
    print("%s %6.2fs %s %s" % (status, entry["seconds"], name, last), flush=True)


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

    def job(original, path=None, record=None):
        return {"name": os.path.splitext(os.path.basename(original))[0], "run_path": path,
                "timeout": args.timeout, "migration": record}

    report = _runner.run_jobs([job(path, path) for path in args.first], args.report,
                             run=run_one)
    if args.migrate_into:  # every program migrated before any runs
        jobs = [job(path, *migrate_one(path, args.migrate_into)) for path in args.programs]
    else:
        jobs = [job(path, path) for path in args.programs]
    jobs += [job(path, path) for path in args.last]
    _runner.run_jobs(jobs, args.report, report, run=run_one, log=_print_status)
    failed = [name for name, entry in report.items() if not entry["ok"]]
    print("%d/%d programs ok" % (len(report) - len(failed), len(report)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
