"""The kill-trial harness: SIGKILL training and saving processes, check what is left.

Shared by ``tests/estimator/test_reliability.py`` (10 trials, the crash-safety tests) and
``benchmarks/kill_trials.py`` (more trials): both import this module (the benchmark
puts ``tests/`` on ``sys.path``).  The processes are children of a
:class:`_fork_client.ForkServer` (``_fork_server.py`` imports TensorFlow once and forks one
fresh process per task, its ``kill_trial`` task among them); :func:`run_kill_trials` kills
``kill_trial`` children at seeded random moments and :func:`verify_kill_trial` checks
what each kill left on disk.
"""
import glob
import os
import queue
import random
import signal
import statistics
import threading
import traceback

import numpy as np

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.storage import read_latest

from _support import read_json

# The kill trials' child: 30 epochs, a checkpoint after each, then save() in a loop.
KILL_PARAMS = dict(n_hidden=2, n_neurons=16, random_state=0, n_epochs=30, batch_size=50,
                   checkpoint_every=1)
DEFAULT_SEED = 20240613


def read_text(path):
    with open(path, "rb") as handle:
        return handle.read().decode(errors="replace")


def write_trial_data(path, X, y, probe):
    np.savez(path, X=X, y=y, probe=probe)
    return str(path)


def describe_kill(trial):
    saved, epochs = trial.get("saved_epoch"), KILL_PARAMS["n_epochs"]
    if trial.get("in_save_loop"):
        moment = f"in the save() loop (model version {trial.get('model_version')})"
    elif saved is None:
        moment = "before the first checkpoint"
    elif saved == epochs:
        moment = "after the last epoch, around the first save()"
    else:
        moment = f"during training, last checkpoint epoch {saved}/{epochs}"
    if trial.get("debris"):
        moment += f", mid-write (left {', '.join(trial['debris'])})"
    return moment


def verify_kill_trial(trial, X, y, probe):
    """Everything a user needs after the SIGKILL; returns the problems found (none = survived)."""
    problems = []
    epochs = KILL_PARAMS["n_epochs"]
    if trial["status"].get("signal") != signal.SIGKILL:
        problems.append(f"the child was not killed by SIGKILL: {trial['status']}; its log: "
                        f"{trial['log_tail']}")
        return problems
    ckpt, model_dir, preds = trial["ckpt"], trial["model"], trial["preds"]
    # 1. the checkpoint pointer is never torn
    try:
        saved = read_latest(ckpt)
    except Exception as error:  # noqa: BLE001 - that is the finding
        problems.append(f"read_latest raised {error!r}; files: {sorted(os.listdir(ckpt))}")
        return problems
    if saved is not None:
        trial["saved_epoch"] = saved["epoch"]
        if [row["epoch"] for row in saved["history"]] != list(range(1, saved["epoch"] + 1)):
            problems.append(f"checkpoint history is not epochs 1..{saved['epoch']}")
        if not os.path.exists(saved["model_prefix"] + ".index"):
            problems.append("latest points at a save without model.ckpt.index")
    # 2. a model directory the child left, if it has a pointer, loads and is one it saved
    if os.path.exists(os.path.join(model_dir, "latest")):
        try:
            left = DNNClassifier.load(model_dir)
            trial["model_version"] = left.n_epochs_
            expected = np.load(os.path.join(preds, f"{left.n_epochs_}.npy"))
            if not np.array_equal(left.predict_proba(probe), expected):
                problems.append(f"the model left in {model_dir} predicts differently from "
                                f"the version {left.n_epochs_} that was saved")
        except Exception as error:  # noqa: BLE001
            problems.append(f"the model left by the child does not load: {error!r}")
    # 3. resume completes every epoch, keeping the checkpointed history
    try:
        resumed = DNNClassifier(**KILL_PARAMS, checkpoint_dir=ckpt, resume=True).fit(X, y)
        if [row["epoch"] for row in resumed.history_] != list(range(1, epochs + 1)):
            problems.append(f"resume ran epochs {[r['epoch'] for r in resumed.history_]}")
        if saved is not None and resumed.history_[:saved["epoch"]] != saved["history"]:
            problems.append("resume changed the checkpointed history")
        leftovers = [name for name in os.listdir(ckpt) if name.startswith(".tmp-")]
        if leftovers:
            problems.append(f"temporary files left in the checkpoint dir: {leftovers}")
    except Exception:  # noqa: BLE001
        problems.append("resume failed: " + traceback.format_exc(limit=3))
        return problems
    # 4. saving over whatever the child left, then loading, gives the fitted model
    try:
        resumed.save(model_dir)
        loaded = DNNClassifier.load(model_dir)
        if not np.array_equal(loaded.predict_proba(probe), resumed.predict_proba(probe)):
            problems.append("the loaded model predicts differently from the fitted one")
    except Exception:  # noqa: BLE001
        problems.append(f"save/load over the child's model dir failed (it held "
                        f"{sorted(os.listdir(model_dir))}): " + traceback.format_exc(limit=3))
    return problems


def run_kill_trials(server, workdir, data_path, X, y, probe, n_trials, seed, report=print):
    """SIGKILL ``n_trials`` children at seeded random moments; verify each after its kill.

    A child starts (a second or more: graph building dominates) and then writes a
    checkpoint per epoch for ``S`` seconds before its save() loop.  The moments are
    measured from its first checkpoint (seen appearing on disk): trial 0 is killed at a
    random moment of the save() loop and measures ``S``; trial i >= 1 at a random moment of
    the i-th of ``n_trials - 1`` equal slices (in shuffled order) of ``[0, 1.3 S]``, i.e.
    anywhere among the epochs and their checkpoint writes, or in the save() loop, ``S``
    being re-estimated after every trial (the median of the spans measured or
    extrapolated from the epoch reached).  The fork server times and
    sends the SIGKILL itself (an idle process: millisecond precision); kills and
    verifications overlap (a thread asks for the kills, this thread verifies).  Returns
    one dict per trial.
    """
    rng = random.Random(seed)
    fractions = [(i - 1 + rng.random()) / max(n_trials - 1, 1) * 1.3
                 for i in range(1, n_trials)]
    calibration_fraction = rng.uniform(0, 0.3)
    rng.shuffle(fractions)  # not monotone: each trial's moment is independent of the last
    killed = queue.Queue()
    stop = threading.Event()

    def killer():
        span, spans = None, []  # spans: measured or estimated S of every trial so far
        try:
            for index in range(n_trials):
                if stop.is_set():
                    break
                base = os.path.join(str(workdir), f"trial{index:02d}")
                trial = {"index": index, "ckpt": os.path.join(base, "ckpt"),
                         "model": os.path.join(base, "model"),
                         "preds": os.path.join(base, "preds"),
                         "phase": os.path.join(base, "phase.json"),
                         "log": os.path.join(base, "child.log")}
                os.makedirs(trial["preds"])
                calibrating = span is None  # trial 0: into the save() loop, measuring S
                trial["fraction"] = calibration_fraction if calibrating \
                    else fractions[index - 1]
                plan = {"anchor": os.path.join(trial["ckpt"], "fit-*", "latest"), "timeout": 300,
                        "fraction": trial["fraction"], "span": span,
                        "phase_file": trial["phase"] if calibrating else None}
                done = server.fork_and_kill(
                    "kill_trial", trial["log"], plan, data=data_path, ckpt_dir=trial["ckpt"],
                    model_dir=trial["model"], preds_dir=trial["preds"],
                    phase_file=trial["phase"], params=KILL_PARAMS, max_seconds=600)
                trial["log_tail"] = read_text(trial["log"])[-2000:]
                if done.get("error"):
                    raise RuntimeError(f"trial {index}: {done['error']}; child log: "
                                       + trial["log_tail"])
                if calibrating:
                    trial["fraction"] += 1
                trial["span"] = done["span"] if calibrating else span
                trial["status"] = done["status"]
                trial["started_seconds"] = done["first"] - done["forked"]
                trial["killed_after"] = done["killed_at"] - done["first"]
                trial["in_save_loop"] = os.path.exists(trial["phase"]) and \
                    read_json(trial["phase"])["phase_a_done"] < done["killed_at"]
                # S varies with the machine's load (and the verifications running beside the
                # children): the next trials use the median of what was seen so far.
                if trial["in_save_loop"]:
                    spans.append(read_json(trial["phase"])["phase_a_done"] - done["first"])
                else:
                    try:
                        reached = read_json(glob.glob(plan["anchor"])[0])["epoch"]
                    except (OSError, ValueError, KeyError):
                        reached = 0  # verify_kill_trial reports an unreadable pointer
                    if reached >= 5:
                        spans.append(trial["killed_after"] * (KILL_PARAMS["n_epochs"] - 1)
                                     / (reached - 1))
                span = statistics.median(spans) if spans else trial["span"]
                trial["debris"] = sorted(  # a save was being written at the kill
                    os.path.join(os.path.basename(directory), name)
                    for directory in (trial["ckpt"], trial["model"]) if os.path.isdir(directory)
                    for name in os.listdir(directory) if name.startswith(".tmp-"))
                killed.put(trial)
        except BaseException:  # noqa: B902 - handed to the verifying thread
            killed.put({"error": traceback.format_exc()})
        finally:
            killed.put(None)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    trials = []
    try:
        while True:
            trial = killed.get(timeout=900)
            if trial is None:
                break
            if "error" in trial:
                raise RuntimeError("kill scheduling failed:\n" + trial["error"])
            trial["problems"] = verify_kill_trial(trial, X, y, probe)
            trial["moment"] = describe_kill(trial)
            report(f"trial {trial['index']:2d}: start-up {trial['started_seconds']:4.2f}s, "
                   f"SIGKILL {trial['killed_after']:4.2f}s after the first checkpoint "
                   f"({trial['fraction']:.2f} x {trial['span']:.2f}s of checkpointed "
                   f"epochs), {trial['moment']}: "
                   + ("survived" if not trial["problems"] else
                      "FAILED: " + " | ".join(trial["problems"])))
            trials.append(trial)
    finally:
        stop.set()
        thread.join(timeout=900)
    return trials
