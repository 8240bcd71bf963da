"""SIGKILL trials: kill a training / saving DNNClassifier at random moments, N times.

Usage::

    python benchmarks/kill_trials.py [--trials 20] [--seed N] [--workdir DIR]

The harness of ``tests/estimator/test_reliability.py`` (which runs 10 trials), imported from
``tests/_kill_harness.py``: a fork server (``tests/_fork_client.py``'s ``ForkServer``)
imports TensorFlow once and forks one child per trial; the child fits 30 epochs of a tiny
net on the digits with a checkpoint after every epoch, saves the model, then warm-starts
one more epoch and saves again over the same directory, in a loop.  Each child gets a real
SIGKILL at a seeded random moment between its first checkpoint and well into the save()
loop.  After each kill: ``read_latest`` must read the checkpoint (no torn pointer), a model
directory the child left must load and predict as the version it saved, ``resume=True``
must complete all 30 epochs with the checkpointed history, and ``save()`` over whatever the
child left, then ``DNNClassifier.load``, must predict exactly as the fitted estimator.

Prints one line per trial and a summary; exits 1 if a trial did not survive.
"""
from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="number of kills (default 20)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the kill moments (default: the test suite's)")
    parser.add_argument("--workdir", default=None,
                        help="keep the trials' directories here (default: a temporary "
                             "directory, removed at the end)")
    args = parser.parse_args(argv)
    if args.trials < 2:
        parser.error("--trials must be at least 2 (trial 0 calibrates)")
    return args


def load_harness():
    """``tests/_kill_harness.py``: the kill trials and their checks."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import _kill_harness  # noqa: PLC0415

    return _kill_harness


def trial_data():
    """The test suite's ``small_digits``: 400 rows of the stratified 80% digits split."""
    from sklearn.model_selection import train_test_split

    from tfgraph_dnn.data.datasets import load_digits_dataset

    X, y = load_digits_dataset()
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    return X_train[:400], y_train[:400], X_train[:100]


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.monotonic()
    harness = load_harness()
    seed = harness.DEFAULT_SEED if args.seed is None else args.seed
    workdir = args.workdir or tempfile.mkdtemp(prefix="kill-trials-")
    os.makedirs(workdir, exist_ok=True)
    X, y, probe = trial_data()
    from _fork_client import ForkServer  # noqa: PLC0415  (tests/, on sys.path since load_harness)

    server = ForkServer(os.path.join(workdir, "server"))
    try:
        print(f"fork server: TensorFlow imported in {server.wait_ready()['import_seconds']:.1f}s;"
              f" {args.trials} trials, seed {seed}, params {harness.KILL_PARAMS}", flush=True)
        data_path = harness.write_trial_data(os.path.join(workdir, "data.npz"), X, y, probe)
        trials_dir = os.path.join(workdir, "trials")
        os.makedirs(trials_dir, exist_ok=True)
        trials = harness.run_kill_trials(server, trials_dir, data_path, X, y, probe,
                                       args.trials, seed,
                                       report=lambda line: print(line, flush=True))
    finally:
        server.close()
    elapsed = time.monotonic() - started

    survived = [trial for trial in trials if not trial["problems"]]
    kinds = collections.Counter(trial["moment"].split(",")[0].split(" (")[0]
                                for trial in trials)
    offsets = [trial["killed_after"] for trial in trials]
    epochs = sorted(trial["saved_epoch"] for trial in trials
                    if trial.get("saved_epoch") and not trial["in_save_loop"])
    print()
    print(f"survived: {len(survived)}/{len(trials)} SIGKILLs "
          f"({sum(t['status'].get('signal') == 9 for t in trials)} confirmed killed by "
          f"signal 9)")
    print("moments:  " + "; ".join(f"{count} {kind}" for kind, count in kinds.most_common())
          + f"; {sum(bool(t.get('debris')) for t in trials)} of them while a checkpoint or "
            "model was being written (its temporary files were left)")
    print(f"kills:    {min(offsets):.2f}s .. {max(offsets):.2f}s after the first checkpoint "
          f"(median {statistics.median(offsets):.2f}s; the 30 checkpointed epochs took "
          f"{min(t['span'] for t in trials):.2f}s .. {max(t['span'] for t in trials):.2f}s)")
    if epochs:
        print(f"last checkpoint at the kill (training kills): epochs {epochs}")
    for trial in trials:
        if trial["problems"]:
            print(f"FAILED trial {trial['index']} ({trial['moment']}):")
            for problem in trial["problems"]:
                print("    " + problem)
    print(f"runtime:  {elapsed:.1f}s")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"files:    {workdir}")
    return 0 if len(survived) == len(trials) == args.trials else 1


if __name__ == "__main__":
    sys.exit(main())
