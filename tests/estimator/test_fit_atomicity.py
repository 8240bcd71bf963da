"""A fitted estimator changes only when a new fit succeeds (issue 12, items 2, 3, 6-9, 13).

Every fit, refit and ``partial_fit`` builds its new model aside (graph, Session, fitted
attributes, history) and publishes it in one step at the end, so:

* a fit that fails or is interrupted (Ctrl-C, a full disk under a checkpoint, bad labels)
  leaves the previous model predicting exactly as before, and says so in a note; with
  checkpoints it can be resumed (item 2, item 6);
* threads that predict during a refit get the old model's or the new model's output,
  never anything in between and never an error (item 7);
* ``warm_start`` refuses structural changes by name and applies the others (item 3);
  ``partial_fit`` refuses other ``classes`` (item 8);
* dropout masks depend on (random_state, global step) only, so a fit resumed from a
  checkpoint is bit-identical to an uninterrupted one (item 9);
* parameters that would overflow are refused by name before anything is built (item 13).
"""
import errno
import threading
import time
import traceback

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn import DNNClassifier, DNNRegressor, cli
from tfgraph_dnn.estimator._model import FittedNetwork
from tfgraph_dnn.training import Hook
from tfgraph_dnn.training.graph import SnapshotSaver

from _support import first_rows

BASE = dict(n_hidden=2, n_neurons=8, random_state=0)


@pytest.fixture(scope="module")
def data(small_digits):
    return first_rows(small_digits, 300)


@pytest.fixture(scope="module")
def fitted_copy(data):
    """Return a factory of fitted models (2 epochs) and their probabilities on X."""
    X, y = data

    def make(**params):
        model = DNNClassifier(**{**BASE, "n_epochs": 2, **params}).fit(X, y)
        return model, model.predict_proba(X)

    return make


def notes(error):
    return " ".join(getattr(error, "__notes__", []))


class RaiseAt(Hook):
    """Raise ``error`` at the end of epoch ``epoch`` (1-based, counted over the history)."""

    def __init__(self, epoch, error):
        self.epoch, self.error = epoch, error

    def on_epoch_end(self, state, logs):
        if logs["epoch"] == self.epoch:
            raise self.error


def assert_unchanged(model, X, proba, n_epochs):
    """The model still predicts ``proba`` and still reports ``n_epochs`` epochs."""
    np.testing.assert_array_equal(model.predict_proba(X), proba)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert model.n_epochs_ == n_epochs and len(model.history_) == n_epochs


# --------------------------------------------------------------------------- item 2
def test_ctrl_c_in_the_fifth_partial_fit_keeps_the_four_before(data):
    X, y = data
    model = DNNClassifier(**BASE)
    for _ in range(4):
        model.partial_fit(X, y, classes=np.arange(10))
    proba = model.predict_proba(X)
    model.set_params(callbacks=[RaiseAt(5, KeyboardInterrupt())])
    with pytest.raises(KeyboardInterrupt) as info:
        model.partial_fit(X, y)
    assert "previous model" in notes(info.value)
    assert_unchanged(model, X, proba, 4)
    model.set_params(callbacks=None)
    model.partial_fit(X, y)  # and it trains on from there
    assert [row["epoch"] for row in model.history_] == [1, 2, 3, 4, 5]


def test_warm_start_refit_whose_checkpoint_hits_a_full_disk_keeps_the_model(
        data, fitted_copy, tmp_path, monkeypatch):
    X, y = data
    model, proba = fitted_copy()
    model.set_params(warm_start=True, checkpoint_dir=str(tmp_path / "ckpt"),
                     checkpoint_every=1)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SnapshotSaver, "save", disk_full)  # the estimators' checkpoint writer
    with pytest.raises(OSError, match="No space left") as info:
        model.fit(X, y)
    assert "previous model" in notes(info.value)
    assert_unchanged(model, X, proba, 2)


def test_interrupted_fit_keeps_the_old_model_and_can_be_resumed(data, fitted_copy,
                                                                tmp_path):
    X, y = data
    model, proba = fitted_copy()
    directory = str(tmp_path / "ckpt")
    params = dict(random_state=3, n_epochs=4, checkpoint_dir=directory, checkpoint_every=1)
    model.set_params(**params, callbacks=[RaiseAt(3, KeyboardInterrupt())])
    with pytest.raises(KeyboardInterrupt) as info:
        model.fit(X, y)
    assert "previous model" in notes(info.value) and "resume=True" in notes(info.value)
    assert_unchanged(model, X, proba, 2)
    model.set_params(callbacks=None, resume=True)
    model.fit(X, y)
    expected = DNNClassifier(**{**BASE, **params}).fit(X, y)
    assert [row["epoch"] for row in model.history_] == [1, 2, 3, 4]
    np.testing.assert_array_equal(model.predict_proba(X), expected.predict_proba(X))


# --------------------------------------------------------------------------- item 3
def test_warm_start_refuses_a_structural_change_by_name(data, fitted_copy):
    X, y = data
    model, proba = fitted_copy(warm_start=True)
    model.set_params(learning_rate=0.5, n_neurons=9)
    with pytest.raises(ValueError, match=r"n_neurons.*warm_start") as info:
        model.fit(X, y)
    assert "learning_rate" not in str(info.value)
    assert_unchanged(model, X, proba, 2)
    assert model.get_weights()["hidden1/kernel"].shape == (64, 8)
    with pytest.raises(ValueError, match="n_neurons"):
        model.partial_fit(X, y)
    model.set_params(n_neurons=8, hidden_layer_sizes=(8, 8))  # the same net: allowed
    model.fit(X, y)
    assert model.n_epochs_ == 4


def test_a_refused_warm_start_leaves_a_model_that_saves_loads_and_exports(data, fitted_copy,
                                                                           tmp_path):
    """After the refusal the parameters say 9 units, the model has 8: save() describes the
    model -- every parameter as its fit ran with it (issue 19: never the current ones) --
    so load() and the export agree with it."""
    X, y = data
    model, proba = fitted_copy(warm_start=True)
    model.set_params(n_neurons=9, learning_rate=0.5)
    with pytest.raises(ValueError, match="n_neurons"):
        model.fit(X, y)
    model.save(str(tmp_path / "model"))
    loaded = DNNClassifier.load(str(tmp_path / "model"))
    assert loaded.n_neurons == 8 and loaded.learning_rate == 0.001  # the fit's rate
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    served = tf.saved_model.load(model.export_saved_model(str(tmp_path / "served")))
    outputs = served.signatures["serving_default"](features=tf.constant(X[:20]))
    np.testing.assert_allclose(outputs["probabilities"].numpy(), proba[:20], atol=1e-6)


def test_warm_start_applies_a_new_learning_rate(data, fitted_copy):
    X, y = data
    model, _ = fitted_copy(warm_start=True)
    model.set_params(learning_rate=0.5)
    model.fit(X, y)
    rates = [row["learning_rate"] for row in model.history_]
    assert rates == pytest.approx([0.001, 0.001, 0.5, 0.5], rel=1e-6)
    model.set_params(learning_rate=0.25)
    model.partial_fit(X, y)
    assert model.history_[-1]["learning_rate"] == pytest.approx(0.25, rel=1e-6)


# --------------------------------------------------------------------------- item 6
def test_refit_on_bad_labels_keeps_the_old_model(data, fitted_copy):
    X, y = data
    model, proba = fitted_copy()
    classes = model.classes_.copy()
    with pytest.raises(ValueError, match="at least 2 classes") as info:
        model.fit(X, np.zeros(len(X)))
    assert "previous model" in notes(info.value)
    with pytest.raises(ValueError, match="at least 2 classes"):
        model.fit(X[:, :10], np.zeros(len(X)))  # other features, too
    np.testing.assert_array_equal(model.classes_, classes)
    assert model.n_features_in_ == 64
    assert_unchanged(model, X, proba, 2)


def test_failed_regressor_refit_keeps_its_outputs(data, tmp_path):
    X, y = data
    target = (y / 9.0).astype(np.float32)
    model = DNNRegressor(**BASE, n_epochs=2).fit(X, target)
    before = model.predict(X)
    model.set_params(warm_start_from=str(tmp_path / "no_such_model"))
    with pytest.raises(FileNotFoundError):
        model.fit(X, np.column_stack([target, target]))
    assert model.n_outputs_ == 1
    np.testing.assert_array_equal(model.predict(X), before)


# --------------------------------------------------------------------------- item 7
class SlowEpochs(Hook):
    """Sets ``started`` when training begins and makes every epoch last a little longer,
    so that predictions from other threads fall inside the fit."""

    def __init__(self):
        self.started = threading.Event()

    def on_train_begin(self, state):
        self.started.set()

    def on_epoch_end(self, state, logs):
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["refit", "warm_start", "partial_fit"])
def test_predictions_during_a_refit_come_from_the_old_or_the_new_model(data, how):
    """Three threads predict while the main thread refits (or continues, with warm_start
    twice or partial_fit four times: continued fits reuse Sessions, never one a thread
    still predicts on).  Each prediction must equal one published model's exactly."""
    X, y = data
    model = DNNClassifier(**BASE, n_epochs=2).fit(X, y)
    published = [model.predict_proba(X)]
    slow = SlowEpochs()
    model.set_params(warm_start=how == "warm_start", random_state=1, n_epochs=6,
                     callbacks=[slow])
    fitting, results, errors = threading.Event(), [], []

    def predict():
        try:
            slow.started.wait(timeout=60)
            while fitting.is_set():
                results.append((True, model.predict_proba(X)))
            results.append((False, model.predict_proba(X)))
        except BaseException:  # noqa: B902 - reported below
            errors.append(traceback.format_exc())

    fitting.set()
    threads = [threading.Thread(target=predict) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range({"refit": 1, "warm_start": 2, "partial_fit": 4}[how]):
            model.partial_fit(X, y) if how == "partial_fit" else model.fit(X, y)
            published.append(model.predict_proba(X))
    finally:
        fitting.clear()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors[0]
    assert not np.array_equal(published[-1], published[0])
    assert any(in_fit for in_fit, _ in results), "no prediction fell inside the fit"
    other = [i for i, (_, proba) in enumerate(results)
             if not any(np.array_equal(proba, model_proba) for model_proba in published)]
    assert not other, f"{len(other)} of {len(results)} predictions came from no model"
    assert all(np.array_equal(proba, published[-1]) for in_fit, proba in results
               if not in_fit)


@pytest.mark.parametrize("then", ["refit", "partial_fit"])
def test_a_slow_prediction_keeps_its_model_through_later_fits(data, monkeypatch, then):
    """A prediction that started on a model finishes on it, even if fits publish newer
    models meanwhile: its Session is neither closed nor reused (as the spare Session of
    a continued fit) under it."""
    X, y = data
    model = DNNClassifier(**BASE).partial_fit(X, y, classes=np.arange(10))
    model.partial_fit(X, y)
    expected = model.predict_proba(X)
    entered, proceed, result = threading.Event(), threading.Event(), {}
    original = FittedNetwork.run_batched

    def held(self, *args, **kwargs):
        if threading.current_thread().name == "slow-reader":
            entered.set()
            proceed.wait(timeout=60)
        return original(self, *args, **kwargs)

    def read():
        try:
            result["proba"] = model.predict_proba(X)
        except BaseException:  # noqa: B902 - reported below
            result["error"] = traceback.format_exc()

    monkeypatch.setattr(FittedNetwork, "run_batched", held)
    reader = threading.Thread(target=read, name="slow-reader")
    reader.start()
    try:
        assert entered.wait(timeout=60)
        for _ in range(3):
            model.partial_fit(X, y) if then == "partial_fit" else model.fit(X, y)
    finally:
        proceed.set()
        reader.join(timeout=60)
    assert "error" not in result, result["error"]
    np.testing.assert_array_equal(result["proba"], expected)
    assert not np.array_equal(model.predict_proba(X), expected)


# --------------------------------------------------------------------------- item 8
def test_partial_fit_with_other_classes_raises(data):
    X, y = data
    model = DNNClassifier(**BASE).partial_fit(X, y, classes=np.arange(10))
    proba = model.predict_proba(X)
    with pytest.raises(ValueError, match=r"classes=.*not the same"):
        model.partial_fit(X, y, classes=np.arange(11))
    assert_unchanged(model, X, proba, 1)
    model.partial_fit(X, y, classes=np.arange(10)[::-1])  # the same set: fine
    assert model.n_epochs_ == 2


# --------------------------------------------------------------------------- item 9
@pytest.mark.parametrize("activation", ["elu", "selu"])  # dropout, alpha dropout
def test_resuming_a_fit_with_dropout_is_bit_identical(data, tmp_path, activation):
    X, y = data
    params = dict(BASE, n_epochs=4, dropout_rate=0.3, activation=activation,
                  checkpoint_every=1)
    uninterrupted = DNNClassifier(**params, checkpoint_dir=str(tmp_path / "a")).fit(X, y)
    directory = str(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        DNNClassifier(**params, checkpoint_dir=directory,
                      callbacks=[RaiseAt(3, KeyboardInterrupt())]).fit(X, y)
    resumed = DNNClassifier(**params, checkpoint_dir=directory, resume=True).fit(X, y)
    assert [row["loss"] for row in resumed.history_] == \
        [row["loss"] for row in uninterrupted.history_]
    for name, value in uninterrupted.get_weights().items():
        np.testing.assert_array_equal(resumed.get_weights()[name], value, err_msg=name)
    # the same seed still gives the same model, another seed another one
    again = DNNClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), uninterrupted.predict_proba(X))
    other = DNNClassifier(**{**params, "random_state": 5}).fit(X, y)
    assert not np.array_equal(other.predict_proba(X), uninterrupted.predict_proba(X))


# --------------------------------------------------------------------------- item 13
class NoTraining(Hook):
    def on_train_begin(self, state):
        raise AssertionError("training started despite an out-of-range parameter")


@pytest.mark.parametrize("name, value, extra", [
    ("n_epochs", 10 ** 30, {}),
    ("n_epochs", 10 ** 30, {"lr_schedule": "piecewise"}),
    ("n_epochs", 10 ** 30, {"lr_schedule": "1cycle"}),
    ("batch_size", 10 ** 30, {}),
    ("n_neurons", 10 ** 30, {}),
    ("n_hidden", 10 ** 30, {}),
    ("hidden_layer_sizes", (8, 10 ** 30), {}),
    ("n_threads", 10 ** 30, {}),
    ("learning_rate", 1e300, {}),
], ids=["n_epochs", "n_epochs_piecewise", "n_epochs_1cycle", "batch_size", "n_neurons",
        "n_hidden", "hidden_layer_sizes", "n_threads", "learning_rate"])
def test_overflowing_parameters_are_refused_by_name(data, name, value, extra):
    X, y = data
    model = DNNClassifier(**{**BASE, name: value, **extra}, callbacks=[NoTraining()])
    with pytest.raises(ValueError, match=rf"'?{name}'?.*(range|at most)"):
        model.fit(X, y)
    assert not hasattr(model, "n_features_in_")


def test_cli_refuses_huge_n_epochs_with_exit_2_and_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = cli.main(["train", "--n-epochs", str(10 ** 30), "--lr-schedule", "piecewise",
                     "--n-hidden", "1", "--n-neurons", "4", "--log-dir", str(tmp_path)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert "n_epochs" in lines[0] and "range" in lines[0]
