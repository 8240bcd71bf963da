"""The training engine behind DNNClassifier: optimizers, clipping, early stopping,
divergence handling, checkpoints with resume (also after SIGKILL), TensorBoard,
progress output, partial_fit / warm_start and learning-rate schedules."""
import copy
import glob
import json
import math
import os
import random
import re
import signal
import textwrap
import time
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import log_loss
from sklearn.model_selection import RandomizedSearchCV

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.exceptions import CheckpointError, DivergenceError
from tfgraph_dnn.training import Hook
from tfgraph_dnn.training.checkpoint import read_latest

SMALL = dict(n_hidden=2, n_neurons=32, random_state=0)


def epochs_of(clf):
    return [row["epoch"] for row in clf.history_]


def network_weights(state):
    """The net's variables (no optimizer slots), as ``DNNClassifier.get_weights`` names them."""
    variables = state.endpoints.variables
    return {v.op.name: value for v, value in zip(variables, state.session.run(variables))}


class CaptureInitialWeights(Hook):
    """Keeps the variables as they are before the first training step."""

    def on_train_begin(self, state):
        self.weights = network_weights(state)


# --------------------------------------------------------------------------- 1. optimizers
# (learning_rate, n_epochs): measured with random_state=0 on the digits split, 2x64 net.
# FTRL (TF1's FTRL-Proximal) shrinks the He-initialised weights towards 0 on its first
# steps and then needs a few epochs to break the symmetry: it gets 8 epochs and lr 0.2.
OPTIMIZER_SETTINGS = {
    "gd": (0.1, 5), "momentum": (0.02, 5), "nesterov": (0.02, 5), "adagrad": (0.05, 5),
    "rmsprop": (0.001, 5), "adam": (0.003, 5), "ftrl": (0.2, 8),
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZER_SETTINGS))
def test_every_optimizer_learns_digits(digits, optimizer):
    X_train, X_test, y_train, y_test = digits
    learning_rate, n_epochs = OPTIMIZER_SETTINGS[optimizer]
    clf = DNNClassifier(n_hidden=2, n_neurons=64, optimizer=optimizer,
                        learning_rate=learning_rate, n_epochs=n_epochs, random_state=0)
    clf.fit(X_train, y_train)
    accuracy = clf.score(X_test, y_test)
    print(f"\n{optimizer:>9}: lr={learning_rate} epochs={n_epochs} test accuracy={accuracy:.4f}")
    assert accuracy >= 0.8, (optimizer, accuracy)
    assert clf.history_[-1]["loss"] < clf.history_[0]["loss"]
    assert all(row["learning_rate"] == pytest.approx(learning_rate, rel=1e-6)
               for row in clf.history_)


# --------------------------------------------------------------------------- 2. clipping
CLIPS = {"gradient_clip_value": 1e-3, "gradient_clip_norm": 1e-3,
         "gradient_clip_global_norm": 1e-3}


def _one_full_batch_step(X, y, **clip):
    """One plain GD step (lr 1) on the whole batch; returns (before, after) weights."""
    capture = CaptureInitialWeights()
    clf = DNNClassifier(**SMALL, optimizer="gd", learning_rate=1.0, batch_size=len(X),
                        n_epochs=1, callbacks=[capture], **clip).fit(X, y)
    return capture.weights, clf.get_weights()


@pytest.fixture(scope="module")
def unclipped_step(small_digits):
    return _one_full_batch_step(*small_digits)


@pytest.mark.parametrize("param", sorted(CLIPS))
def test_tiny_clip_bounds_the_first_step(small_digits, unclipped_step, param):
    X, y = small_digits
    clip = CLIPS[param]
    before, after = _one_full_batch_step(X, y, **{param: clip})
    ref_before, ref_after = unclipped_step
    assert set(before) == set(after) and "hidden1/kernel" in before
    for name in before:  # same random_state: same initial weights
        np.testing.assert_array_equal(before[name], ref_before[name])
    deltas = {name: after[name].astype(np.float64) - before[name] for name in before}
    free = {name: ref_after[name].astype(np.float64) - ref_before[name] for name in before}
    # without clipping the same step is far larger: the bound below is not vacuous
    assert max(np.abs(d).max() for d in free.values()) > 10 * clip
    assert all(np.abs(d).max() > 0 for d in deltas.values())  # it did step
    tolerance = 1e-7
    if param == "gradient_clip_value":
        for name, delta in deltas.items():
            assert np.abs(delta).max() <= clip + tolerance, name
    elif param == "gradient_clip_norm":
        for name, delta in deltas.items():
            assert np.linalg.norm(delta) <= clip * (1 + 1e-3) + tolerance, name
    else:
        total = math.sqrt(sum(float(np.sum(d ** 2)) for d in deltas.values()))
        assert total <= clip * (1 + 1e-3) + tolerance
        assert total >= clip * 0.99  # the unclipped global norm is larger: it is rescaled


@pytest.mark.parametrize("param, value", [("gradient_clip_value", 0.01),
                                          ("gradient_clip_norm", 0.1),
                                          ("gradient_clip_global_norm", 0.5)])
def test_clipped_training_still_learns(digits, param, value):
    X_train, X_test, y_train, y_test = digits
    clf = DNNClassifier(**SMALL, optimizer="momentum", learning_rate=0.05, n_epochs=4,
                        **{param: value}).fit(X_train, y_train)
    accuracy = clf.score(X_test, y_test)
    print(f"\n{param}={value}: test accuracy={accuracy:.4f}")
    assert accuracy >= 0.8


# --------------------------------------------------------------------------- 3. early stopping
@pytest.fixture(scope="module")
def overfit_run(digits):
    X_train, X_test, y_train, y_test = digits
    clf = DNNClassifier(n_hidden=2, n_neurons=128, learning_rate=0.01, n_epochs=200,
                        patience=3, early_stopping=True, random_state=0)
    clf.fit(X_train[:150], y_train[:150], X_test, y_test)
    return clf, X_test, y_test


def test_early_stopping_stops_and_restores_best(overfit_run):
    clf, X_valid, y_valid = overfit_run
    print(f"\nearly stopping: ran {clf.n_epochs_}/200 epochs (saved {200 - clf.n_epochs_}), "
          f"best epoch {clf.best_epoch_}, best val_loss {clf.best_val_loss_:.4f}")
    assert clf.n_epochs_ < 200
    assert clf.best_epoch_ < clf.n_epochs_
    assert clf.n_epochs_ - clf.best_epoch_ == 3  # patience
    val_losses = [row["val_loss"] for row in clf.history_]
    assert clf.best_val_loss_ == min(val_losses) == val_losses[clf.best_epoch_ - 1]
    assert val_losses[-1] > clf.best_val_loss_  # the last weights are not the best ones
    # the served model is the best epoch's: its validation loss, computed independently.
    # (float64 and renormalised: log_loss clips at the eps of the dtype, 1.2e-7 for float32,
    # which would change the loss of over-confident mistakes)
    proba = clf.predict_proba(X_valid).astype(np.float64)
    proba /= proba.sum(axis=1, keepdims=True)
    restored = log_loss(y_valid, proba, labels=clf.classes_)
    assert restored == pytest.approx(clf.best_val_loss_, rel=1e-4)
    assert restored < val_losses[-1]


def test_early_stopping_without_validation_data_holds_out_a_fraction(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**SMALL, n_epochs=3, early_stopping=True, patience=10,
                        validation_fraction=0.2).fit(X, y)
    assert clf.n_epochs_ == 3
    for row in clf.history_:
        assert {"val_loss", "val_accuracy"} <= set(row)
        assert math.isfinite(row["val_loss"])
    assert clf.best_val_loss_ == min(row["val_loss"] for row in clf.history_)
    # val_accuracy is a fraction of a 20% hold-out (80 rows): a multiple of 1/80
    for row in clf.history_:
        assert row["val_accuracy"] * 80 == pytest.approx(round(row["val_accuracy"] * 80),
                                                         abs=1e-3)


def test_early_stopping_on_validation_accuracy_keeps_the_most_accurate_epoch(digits):
    """Monitoring val_accuracy: higher is better; the kept epoch is the most accurate one
    (of lowest validation loss among equally accurate ones), ``best_val_loss_`` is that
    epoch's validation loss, and the served model has that accuracy."""
    X_train, X_test, y_train, y_test = digits
    clf = DNNClassifier(n_hidden=2, n_neurons=64, learning_rate=0.01, n_epochs=60, patience=4,
                        early_stopping=True, early_stopping_monitor="val_accuracy",
                        random_state=0).fit(X_train[:150], y_train[:150], X_test, y_test)
    accuracies = [row["val_accuracy"] for row in clf.history_]
    assert clf.n_epochs_ < 60 and clf.n_epochs_ - clf.best_epoch_ == 4
    best = max(accuracies)
    losses = [row["val_loss"] if row["val_accuracy"] == best else np.inf
              for row in clf.history_]
    assert clf.best_epoch_ == 1 + int(np.argmin(losses))
    assert clf.best_val_loss_ == clf.history_[clf.best_epoch_ - 1]["val_loss"]
    assert clf.score(X_test, y_test) == pytest.approx(max(accuracies), abs=1e-6)


def test_early_stopping_mode_follows_the_monitor():
    from tfgraph_dnn.training.stopping import EarlyStopping
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping(monitor="val_loss").mode == "min"
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="sideways")


# --------------------------------------------------------------------------- 4. checkpoints
class Crash(Exception):
    pass


class CrashAfterEpoch(Hook):
    """Raises after epoch ``k`` (1-based), either in that epoch's on_epoch_end or in
    the next one's on_epoch_begin; keeps a copy of the history it had seen."""

    def __init__(self, k, where):
        self.k, self.where, self.seen = k, where, []

    def on_epoch_begin(self, state):
        if self.where == "begin" and state.epoch == self.k:
            raise Crash(f"crash before epoch {self.k + 1}")

    def on_epoch_end(self, state, logs):
        self.seen = copy.deepcopy(state.history)
        if self.where == "end" and logs["epoch"] == self.k:
            raise Crash(f"crash at the end of epoch {self.k}")


class CountEpochs(Hook):
    def __init__(self):
        self.count = 0

    def on_epoch_begin(self, state):
        self.count += 1


CKPT = dict(**SMALL, optimizer="adam", learning_rate=0.003, n_epochs=6, checkpoint_every=1)


@pytest.fixture(scope="module")
def uninterrupted(small_digits):
    X, y = small_digits
    return DNNClassifier(**CKPT).fit(X, y)


@pytest.mark.parametrize("where, saved_epochs", [("begin", 3), ("end", 2)])
def test_resume_after_a_crash_in_a_hook(small_digits, uninterrupted, tmp_path, where,
                                        saved_epochs):
    X, y = small_digits
    directory = str(tmp_path / "ckpt")
    crash = CrashAfterEpoch(3, where)
    clf = DNNClassifier(**CKPT, checkpoint_dir=directory, callbacks=[crash])
    with pytest.raises(Crash):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)  # half-trained weights are not served: the failed fit left no model
    saved = read_latest(directory)
    # user callbacks run before the checkpoint hook: a crash in epoch 3's on_epoch_end
    # happens before epoch 3 was saved, a crash before epoch 4 after it was.
    assert saved["epoch"] == saved_epochs
    assert saved["history"] == crash.seen[:saved_epochs]

    resumed = DNNClassifier(**CKPT, checkpoint_dir=directory, resume=True).fit(X, y)
    assert resumed.n_epochs_ == 6
    assert epochs_of(resumed) == [1, 2, 3, 4, 5, 6]
    assert resumed.history_[:saved_epochs] == crash.seen[:saved_epochs]
    assert read_latest(directory)["epoch"] == 6
    assert len([n for n in os.listdir(directory) if n.startswith("save-")]) <= 2  # keep=2

    # interrupted + resumed == uninterrupted, same random_state
    for mine, ref in zip(resumed.history_, uninterrupted.history_):
        assert mine["loss"] == pytest.approx(ref["loss"], rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(resumed.predict_proba(X), uninterrupted.predict_proba(X),
                               atol=1e-5)

    # resuming a finished run trains nothing more
    counter = CountEpochs()
    again = DNNClassifier(**CKPT, checkpoint_dir=directory, resume=True,
                          callbacks=[counter]).fit(X, y)
    assert counter.count == 0
    assert again.n_epochs_ == 6 and again.history_ == resumed.history_
    np.testing.assert_array_equal(again.predict_proba(X), resumed.predict_proba(X))


def test_resume_with_another_architecture_is_refused(small_digits, tmp_path):
    """Another architecture is another fit: resume=True starts it afresh (its own fit-<key>/);
    naming the first fit's directory explicitly is refused, naming the difference."""
    X, y = small_digits
    directory = str(tmp_path / "ckpt")
    params = dict(random_state=0, n_epochs=1, checkpoint_dir=directory)
    DNNClassifier(hidden_layer_sizes=(32,), **params).fit(X, y)
    [first] = glob.glob(os.path.join(directory, "fit-*"))
    fresh = DNNClassifier(hidden_layer_sizes=(16,), resume=True, **params).fit(X, y)
    assert fresh.n_epochs_ == 1 and len(glob.glob(os.path.join(directory, "fit-*"))) == 2
    with pytest.raises(CheckpointError, match="hidden_layer_sizes") as info:
        DNNClassifier(hidden_layer_sizes=(16,), resume=True,
                      **dict(params, checkpoint_dir=first)).fit(X, y)
    assert "(32,)" in str(info.value) and "(16,)" in str(info.value)
    assert "optimizer" not in str(info.value)  # only the difference is named


# --------------------------------------------------------------------------- 5. SIGKILL
# 20 epochs of >= 0.2 s (the Slow hook): >= 4 s from the first checkpoint to the end, the
# kill comes within 1 s; the resumed fits train the rest in-process (lr 0.003: > 0.9 there).
KILL_PARAMS = dict(n_hidden=2, n_neurons=32, random_state=0, n_epochs=20, batch_size=50,
                   learning_rate=0.003, checkpoint_every=1)
KILL_SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    from tfgraph_dnn import DNNClassifier
    from tfgraph_dnn.training import Hook

    class Slow(Hook):  # stretch the run so that the kill lands mid-training
        def on_epoch_end(self, state, logs):
            time.sleep(0.2)

    data_path, directory, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    data = np.load(data_path)
    DNNClassifier(**params, checkpoint_dir=directory, callbacks=[Slow()]).fit(data["X"],
                                                                            data["y"])
""")


@pytest.mark.slow
def test_resume_after_sigkill(small_digits, tmp_path, preloaded_python):
    X, y = small_digits
    X, y = X[:200], y[:200]
    data_path = str(tmp_path / "data.npz")
    np.savez(data_path, X=X, y=y)
    rng = random.Random()
    delays = [rng.uniform(0, 1 / 3), rng.uniform(1 / 3, 2 / 3), rng.uniform(2 / 3, 1)]
    runs = []
    for index, delay in enumerate(delays):  # in parallel; real processes, forked
        directory = str(tmp_path / f"ckpt{index}")
        pid, log = preloaded_python.start(KILL_SCRIPT, data_path, directory,
                                          json.dumps(KILL_PARAMS))
        runs.append((pid, directory, delay, log))

    def output(log):
        with open(log, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    try:
        pending = list(runs)
        kill_at = {}
        deadline = time.monotonic() + 120
        while pending:
            assert time.monotonic() < deadline, "no checkpoint appeared"
            for run in list(pending):
                pid, directory, delay, log = run
                now = time.monotonic()
                if directory not in kill_at and glob.glob(os.path.join(directory, "fit-*",
                                                                        "latest")):
                    kill_at[directory] = now + delay
                if directory in kill_at and now >= kill_at[directory]:
                    assert preloaded_python.poll(pid) is None, (
                        "the child finished before it could be killed: " + output(log))
                    os.kill(pid, signal.SIGKILL)
                    assert preloaded_python.wait(pid, timeout=30)["signal"] == signal.SIGKILL
                    pending.remove(run)
                elif preloaded_python.poll(pid) is not None:
                    pytest.fail("child died: " + output(log))
            time.sleep(0.01)
    finally:
        for pid, _, _, _ in pending:
            if preloaded_python.poll(pid) is None:
                os.kill(pid, signal.SIGKILL)
                preloaded_python.wait(pid, timeout=30)

    for _, directory, delay, _ in runs:
        saved = read_latest(directory)
        assert saved is not None
        assert 1 <= saved["epoch"] < KILL_PARAMS["n_epochs"]
        assert [row["epoch"] for row in saved["history"]] == list(range(1, saved["epoch"] + 1))
        assert os.path.exists(saved["model_prefix"] + ".index")
        print(f"\nkilled {delay:.2f}s after the first checkpoint; latest = epoch "
              f"{saved['epoch']}; leftovers: {sorted(os.listdir(directory))}")
        clf = DNNClassifier(**KILL_PARAMS, checkpoint_dir=directory, resume=True).fit(X, y)
        assert clf.n_epochs_ == KILL_PARAMS["n_epochs"]
        assert epochs_of(clf) == list(range(1, KILL_PARAMS["n_epochs"] + 1))
        assert clf.history_[:saved["epoch"]] == saved["history"]
        assert not [n for n in os.listdir(directory) if n.startswith(".tmp-")]
        assert clf.score(X, y) > 0.8


# --------------------------------------------------------------------------- 6. TensorBoard
def test_tensorboard_run_dirs_and_events(small_digits, digits, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    X, y = small_digits
    _, X_test, _, y_test = digits
    log_dir = tmp_path / "logs"
    clf = DNNClassifier(**SMALL, n_epochs=3, log_dir=str(log_dir), run_name="my run/../x",
                        log_histograms=True)
    clf.fit(X, y, X_test, y_test)
    run_dir = os.path.realpath(clf.log_dir_)
    assert os.path.dirname(run_dir) == os.path.realpath(log_dir)  # no traversal
    name = os.path.basename(run_dir)
    assert name.startswith("run-") and "my_run" in name and "/" not in name and " " not in name
    assert not os.path.exists(tmp_path / "x") and not os.path.exists(log_dir / "x")

    def reader(subdir):
        acc = EventAccumulator(os.path.join(run_dir, subdir),
                               size_guidance={"scalars": 0, "histograms": 0})
        acc.Reload()
        return acc

    train, validation = reader("train"), reader("validation")  # Keras' layout
    tags = train.Tags()
    assert tags["graph"] is True
    for acc, tag, key in ((train, "epoch_loss", "loss"), (train, "epoch_accuracy", "accuracy"),
                          (train, "epoch_learning_rate", "learning_rate"),
                          (validation, "epoch_loss", "val_loss"),
                          (validation, "epoch_accuracy", "val_accuracy")):
        events = acc.Scalars(tag)
        assert [event.step for event in events] == [1, 2, 3]
        np.testing.assert_allclose([event.value for event in events],
                                   [row[key] for row in clf.history_], rtol=1e-6)
    assert any(tag.endswith("hidden1/kernel") for tag in tags["histograms"]), tags["histograms"]
    assert any(tag.endswith("logits/bias") for tag in tags["histograms"])

    clf.fit(X, y, X_test, y_test)  # a second fit: a second run directory
    assert os.path.realpath(clf.log_dir_) != run_dir
    assert len(os.listdir(log_dir)) == 2


# --------------------------------------------------------------------------- 7. history, verbose
def test_history_rows(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**SMALL, n_epochs=3).fit(X, y)
    assert epochs_of(clf) == [1, 2, 3] and clf.n_epochs_ == 3
    for row in clf.history_:
        assert {"loss", "accuracy", "learning_rate", "seconds"} <= set(row)
        assert "val_loss" not in row
        assert 0 <= row["accuracy"] <= 1 and row["seconds"] > 0
        assert row["learning_rate"] == pytest.approx(0.001, rel=1e-6)


@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_verbose_prints_one_line_per_epoch(small_digits, capsys, verbose):
    X, y = small_digits
    DNNClassifier(**SMALL, n_epochs=3, verbose=verbose).fit(X, y)
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.strip()]
    if verbose == 0:
        assert lines == []
        return
    assert len(lines) == 3
    for epoch, line in enumerate(lines, start=1):
        assert re.match(rf"epoch {epoch}/3\s+loss \d+\.\d{{4}}\s+accuracy", line), line


# --------------------------------------------------------------------------- 8. non-finite loss
def test_divergence_in_the_first_epoch_raises(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**SMALL, optimizer="gd", learning_rate=1e30, n_epochs=3)
    with pytest.raises(DivergenceError, match=r"non-finite .* epoch 1 .*learning_rate"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict_proba(X)  # a failed first fit leaves the estimator unfitted


class LearningRateBomb(Hook):
    """Before epoch ``k + 1``, sets the (performance schedule's) rate variable to 1e30."""

    def __init__(self, k):
        self.k = k

    def on_epoch_begin(self, state):
        if state.epoch == self.k:
            self.weights_before = network_weights(state)
            hook = state.ops.schedule_hook
            state.session.run(hook.assign, {hook.value: 1e30})


def test_divergence_in_a_later_epoch_keeps_the_last_finite_weights(small_digits):
    X, y = small_digits
    bomb = LearningRateBomb(2)
    clf = DNNClassifier(**SMALL, optimizer="gd", learning_rate=0.1, n_epochs=6,
                        lr_schedule="performance", callbacks=[bomb])
    with pytest.warns(RuntimeWarning, match=r"non-finite loss in epoch 3; kept the weights "
                                            r"of epoch 2"):
        clf.fit(X, y)
    assert clf.n_epochs_ == 3 < 6
    assert all(math.isfinite(row["loss"]) for row in clf.history_[:2])
    assert not math.isfinite(clf.history_[2]["loss"])
    assert clf.history_[2]["learning_rate"] == pytest.approx(1e30, rel=1e-6)
    weights = clf.get_weights()
    for name, value in bomb.weights_before.items():
        np.testing.assert_array_equal(weights[name], value)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    assert clf.score(X, y) > 0.5


class TransientLearningRateSpike(Hook):
    """Sets the learning-rate knob to 1e30 for epoch ``k + 1`` only."""

    def __init__(self, k):
        self.k = k
        self.saved = None

    def on_epoch_begin(self, state):
        if state.epoch == self.k:
            self.saved = float(state.session.run(state.ops.knobs.variable("learning_rate")))
            state.ops.knobs.assign(state.session, {"learning_rate": 1e30})

    def on_epoch_end(self, state, logs):
        if self.saved is not None:
            state.ops.knobs.assign(state.session, {"learning_rate": self.saved})
            self.saved = None


def test_warm_start_after_a_recovered_divergence_trains_on(small_digits):
    """After "non-finite loss in epoch 3; kept the weights of epoch 2", a warm-started fit
    continues from those weights and the spike is over, so its epochs are finite."""
    X, y = small_digits
    clf = DNNClassifier(**SMALL, optimizer="momentum", learning_rate=0.02, n_epochs=4,
                        warm_start=True, callbacks=[TransientLearningRateSpike(2)])
    with pytest.warns(RuntimeWarning, match="non-finite loss in epoch 3; kept the weights "
                                            "of epoch 2"):
        clf.fit(X, y)
    assert clf.n_epochs_ == 3 and np.isfinite(clf.predict_proba(X)).all()
    clf.set_params(callbacks=None, n_epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf.fit(X, y)
    assert epochs_of(clf) == [1, 2, 3, 4, 5]
    assert all(math.isfinite(row["loss"]) for row in clf.history_[3:])


@pytest.mark.parametrize("optimizer", ["gd", "momentum"])
@pytest.mark.parametrize("activation", ["elu", "relu"])
def test_huge_learning_rate_contract(small_digits, optimizer, activation):
    """lr 1e3: either a clear DivergenceError, or a RuntimeWarning naming the epoch with
    finite kept weights, or a run whose losses all stayed finite."""
    X, y = small_digits
    clf = DNNClassifier(**SMALL, optimizer=optimizer, activation=activation,
                        learning_rate=1e3, n_epochs=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            clf.fit(X, y)
        except DivergenceError as error:
            assert "epoch 1" in str(error) and "learning_rate" in str(error)
            return
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)
                and "non-finite" in str(w.message)]
    losses = [row["loss"] for row in clf.history_]
    if messages:
        assert len(messages) == 1
        assert f"epoch {clf.n_epochs_}" in messages[0] and clf.n_epochs_ < 4
        assert not math.isfinite(losses[-1]) and all(map(math.isfinite, losses[:-1]))
    else:
        assert clf.n_epochs_ == 4 and all(map(math.isfinite, losses))
    assert np.isfinite(clf.predict_proba(X)).all()


# ---------------------------------------------------------------- 9. partial_fit, warm_start
def test_partial_fit(digits):
    X_train, X_test, y_train, y_test = digits
    clf = DNNClassifier(**SMALL, learning_rate=0.003)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X_train, y_train)
    scores = []
    for _ in range(3):
        clf.partial_fit(X_train, y_train, classes=np.arange(10))
        scores.append(clf.score(X_test, y_test))
    print(f"\npartial_fit test accuracy after 1, 2, 3 calls: {scores}")
    assert clf.n_epochs_ == 3 and epochs_of(clf) == [1, 2, 3]
    assert scores[2] > scores[0] + 0.02
    assert scores[2] >= 0.8
    with pytest.raises(ValueError, match="not seen"):
        clf.partial_fit(X_train[:5], np.array([0, 1, 2, 3, 42]))


def test_partial_fit_on_a_resumed_checkpoint_runs_one_epoch(small_digits, tmp_path):
    """partial_fit is documented as "run one epoch", also when it resumes a checkpoint."""
    X, y = small_digits
    params = dict(**CKPT, checkpoint_dir=str(tmp_path / "ckpt"))
    with pytest.raises(Crash):
        DNNClassifier(**params, callbacks=[CrashAfterEpoch(2, "begin")]).fit(X, y)
    assert read_latest(params["checkpoint_dir"])["epoch"] == 2
    clf = DNNClassifier(**params, resume=True).partial_fit(X, y, classes=np.arange(10))
    assert epochs_of(clf) == [1, 2, 3] and clf.n_epochs_ == 3


def test_warm_start_continues_cold_start_restarts(small_digits):
    X, y = small_digits
    warm = DNNClassifier(**SMALL, n_epochs=2, warm_start=True).fit(X, y)
    first = copy.deepcopy(warm.history_)
    warm.fit(X, y)
    assert warm.n_epochs_ == 4 and epochs_of(warm) == [1, 2, 3, 4]
    assert warm.history_[:2] == first
    assert warm.history_[3]["loss"] < first[0]["loss"]

    cold = DNNClassifier(**SMALL, n_epochs=2).fit(X, y)
    cold.fit(X, y)
    assert cold.n_epochs_ == 2 and epochs_of(cold) == [1, 2]
    # a restart with the same random_state retraces the first fit
    assert [row["loss"] for row in cold.history_] == pytest.approx(
        [row["loss"] for row in first], rel=1e-6)


# --------------------------------------------------------------------------- 10. schedules
def test_exponential_schedule_decays(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**SMALL, n_epochs=5, learning_rate=0.01,
                        lr_schedule="exponential").fit(X, y)
    rates = [row["learning_rate"] for row in clf.history_]
    assert all(b < a for a, b in zip(rates, rates[1:])), rates
    assert rates[-1] == pytest.approx(0.01 * 0.1, rel=1e-4)  # decayed 10x over n_epochs


def test_one_cycle_rises_then_falls(small_digits):
    X, y = small_digits
    clf = DNNClassifier(**SMALL, n_epochs=8, learning_rate=0.001,
                        lr_schedule="1cycle").fit(X, y)
    rates = [row["learning_rate"] for row in clf.history_]
    peak = int(np.argmax(rates))
    assert 0 < peak < len(rates) - 1, rates
    assert all(b > a for a, b in zip(rates[:peak], rates[1:peak + 1])), rates
    assert all(b < a for a, b in zip(rates[peak:], rates[peak + 1:])), rates
    assert rates[peak] <= 0.01 * (1 + 1e-6)


PERF = dict(n_hidden=2, n_neurons=128, learning_rate=0.01, n_epochs=200, patience=8,
            early_stopping=True, lr_schedule="performance", random_state=0)


@pytest.fixture(scope="module")
def performance_run(digits):
    X_train, X_test, y_train, y_test = digits
    return DNNClassifier(**PERF).fit(X_train[:150], y_train[:150], X_test, y_test)


def test_performance_schedule_with_early_stopping(performance_run, overfit_run):
    clf = performance_run
    rates = [row["learning_rate"] for row in clf.history_]
    print(f"\nperformance + early stopping: {clf.n_epochs_} epochs, best {clf.best_epoch_}, "
          f"rates {sorted(set(rates), reverse=True)}")
    assert clf.n_epochs_ < 200 and clf.n_epochs_ - clf.best_epoch_ == 8
    assert all(b <= a for a, b in zip(rates, rates[1:]))
    assert rates[0] == pytest.approx(0.01, rel=1e-6)
    assert rates[-1] == pytest.approx(0.005, rel=1e-6)  # halved after 5 epochs of plateau
    # same data, seed and rate: identical to the constant-rate run until the first cut
    ref = overfit_run[0]
    first_cut = rates.index(rates[-1])
    assert first_cut == ref.best_epoch_ + 5  # the rate logged after 5 worse epochs
    for mine, other in zip(clf.history_[:first_cut], ref.history_[:first_cut]):
        assert mine["val_loss"] == pytest.approx(other["val_loss"], rel=1e-5)


def test_resume_mid_plateau_keeps_schedule_and_early_stopping_state(performance_run, digits,
                                                                     tmp_path):
    """Crash after epoch 9 (3 epochs into the plateau): the performance schedule's and
    early stopping's counters must come back from the checkpoint, or the rate cut and
    the stop would move."""
    X_train, X_test, y_train, y_test = digits
    X, y = X_train[:150], y_train[:150]
    directory = str(tmp_path / "ckpt")
    with pytest.raises(Crash):
        DNNClassifier(**PERF, checkpoint_dir=directory, checkpoint_every=1,
                      callbacks=[CrashAfterEpoch(9, "begin")]).fit(X, y, X_test, y_test)
    saved = read_latest(directory)
    assert saved["epoch"] == 9
    assert saved["hooks"]["EarlyStopping"]["wait"] == 9 - performance_run.best_epoch_
    resumed = DNNClassifier(**PERF, checkpoint_dir=directory, checkpoint_every=1,
                            resume=True).fit(X, y, X_test, y_test)
    ref = performance_run
    assert resumed.n_epochs_ == ref.n_epochs_ and resumed.best_epoch_ == ref.best_epoch_
    assert resumed.best_val_loss_ == pytest.approx(ref.best_val_loss_, rel=1e-6)
    np.testing.assert_allclose([row["learning_rate"] for row in resumed.history_],
                               [row["learning_rate"] for row in ref.history_], rtol=1e-6)
    np.testing.assert_allclose(resumed.predict_proba(X_test), ref.predict_proba(X_test),
                               atol=1e-5)


def test_randomized_search_over_optimizers_and_schedules(small_digits):
    X, y = small_digits
    space = {"optimizer": ["adam", "momentum", "rmsprop"],
             "lr_schedule": [None, "exponential", "power", "1cycle"],
             "learning_rate": [0.003, 0.01, 0.03]}
    search = RandomizedSearchCV(DNNClassifier(n_hidden=2, n_neurons=32, n_epochs=5,
                                              random_state=0),
                                space, n_iter=3, cv=2, random_state=0, error_score="raise")
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 3
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_params_
    assert isinstance(best["optimizer"], str) and best["optimizer"] in space["optimizer"]
    assert best["lr_schedule"] in space["lr_schedule"]
    assert best["lr_schedule"] is None or isinstance(best["lr_schedule"], str)
    assert search.best_estimator_.optimizer == best["optimizer"]
    assert search.best_score_ == max(search.cv_results_["mean_test_score"])
    assert search.best_estimator_.n_epochs_ == 5
    assert search.score(X, y) > 0.5  # the refitted best model (measured 0.81)


# --------------------------------------------------------------------------- k steps per run
class EveryStep(Hook):
    """A batch hook asking to see every step: the loop runs one step per session.run."""

    def __init__(self, steps_per_run=1):
        self.steps_per_run = steps_per_run
        self.calls, self.steps = 0, 0

    def on_batch_end(self, state, values):
        self.calls += 1
        self.steps += values["steps"]
        assert np.isfinite(values["loss"])


@pytest.mark.parametrize("params", [
    {},
    {"dropout_rate": 0.2},
    {"max_norm": 1.0, "l1": 1e-4, "l2": 1e-3},
    {"optimizer": "nesterov", "lr_schedule": "1cycle"},
    {"optimizer": "ftrl", "learning_rate": 0.1, "gradient_clip_global_norm": 1.0},
    {"lr_schedule": "performance", "early_stopping": True, "patience": 2},
    {"batch_norm_momentum": 0.9},
], ids=["adam", "dropout", "maxnorm_l1_l2", "1cycle", "ftrl_clip", "performance", "batch_norm"])
def test_steps_per_run_do_not_change_training(small_digits, params):
    """A whole epoch per session.run, one step per run (a batch hook) or 3 per run give
    the same model: same shuffling, same sequential updates, same dropout masks, same
    schedule per step."""
    X, y = small_digits
    X, y = X[:200], y[:200]  # 7 batches of 32: 3 runs of 3 steps per epoch, the last short
    settings = dict(SMALL, n_epochs=3, batch_size=32, **params)
    whole = DNNClassifier(**settings).fit(X, y)
    n_rows = len(X) - (round(0.1 * len(X)) if settings.get("early_stopping") else 0)
    n_batches = -(-n_rows // 32)
    for per_run in (1, 3):
        hook = EveryStep(per_run)
        split = DNNClassifier(**settings, callbacks=[hook]).fit(X, y)
        assert hook.steps == n_batches * split.n_epochs_
        assert hook.calls == -(-n_batches // per_run) * split.n_epochs_
        np.testing.assert_array_equal(whole.predict_proba(X), split.predict_proba(X))
        assert [r["loss"] for r in whole.history_] == pytest.approx(
            [r["loss"] for r in split.history_], rel=1e-6)


def test_a_training_set_too_large_for_the_graph_trains_in_chunks(small_digits, monkeypatch):
    """Above MAX_IN_GRAPH_BYTES the rows are loaded chunk by chunk of the shuffled order:
    the batches, hence the model, are those of one whole-epoch run."""
    from tfgraph_dnn.training import loop

    X, y = small_digits
    settings = dict(SMALL, n_epochs=3, batch_size=32)
    whole = DNNClassifier(**settings).fit(X, y)
    row = X[:1].nbytes + 4
    monkeypatch.setattr(loop, "MAX_IN_GRAPH_BYTES", row * 100)  # 96-row chunks
    chunked = DNNClassifier(**settings).fit(X, y)
    np.testing.assert_array_equal(whole.predict_proba(X), chunked.predict_proba(X))


def test_training_is_plain_sequential_sgd_of_a_tf1_script(small_digits):
    """The step loop computes what a hand-written TF1 training script computes: the same
    initial weights (read from the estimator), the same shuffled batches fed one by one
    to Adam on the l2-penalized loss, then max-norm on the hidden kernels."""
    import tensorflow as tf
    v1 = tf.compat.v1

    X, y = small_digits
    settings = dict(n_hidden=2, n_neurons=16, activation="relu", batch_size=40, n_epochs=2,
                    learning_rate=0.01, l2=1e-3, max_norm=2.0, random_state=3)
    initial = CaptureInitialWeights()
    clf = DNNClassifier(**settings, callbacks=[initial]).fit(X, y)
    rng = np.random.RandomState(3)
    rng.randint(2 ** 31 - 1)  # the estimator draws its graph seed first
    graph = tf.Graph()
    with graph.as_default():
        X_in = v1.placeholder(tf.float32, (None, 64))
        y_in = v1.placeholder(tf.int32, (None,))
        names = ["hidden1", "hidden2", "logits"]
        weights = {name: (tf.Variable(initial.weights[f"{name}/kernel"]),
                          tf.Variable(initial.weights[f"{name}/bias"])) for name in names}
        layer = X_in
        for name in names[:2]:
            layer = tf.nn.relu(tf.matmul(layer, weights[name][0]) + weights[name][1])
        logits = tf.matmul(layer, weights["logits"][0]) + weights["logits"][1]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y_in, logits=logits))
        loss += tf.add_n([1e-3 * tf.nn.l2_loss(weights[n][0]) for n in names])
        train = v1.train.AdamOptimizer(0.01).minimize(loss)
        with tf.control_dependencies([train]):
            clip = tf.group(*[weights[n][0].assign(tf.clip_by_norm(weights[n][0], 2.0, axes=[1]))
                              for n in names[:2]])
        proba = tf.nn.softmax(logits)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            for _ in range(2):
                order = rng.permutation(len(X))
                for start in range(0, len(X), 40):
                    rows = order[start:start + 40]
                    session.run(clip, {X_in: X[rows], y_in: y[rows]})
            expected = session.run(proba, {X_in: X})
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=2e-6)
