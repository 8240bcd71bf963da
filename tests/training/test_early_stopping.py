"""Early stopping: improvement rule, accuracy ties broken by the loss, ``min_delta``,
patience counted from the last improvement, best weights restored.

The hook is driven with synthetic epoch logs and a fake snapshot (no graph);
one small fit checks the estimator's ``min_delta`` parameter end to end.
"""
import types

import pytest

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.training.stopping import EarlyStopping


class FakeSnapshot:
    """Captures the epoch number as the 'weights'; records what was restored."""

    def __init__(self):
        self.epoch = 0
        self.restored = None

    def capture(self, session):
        return {"epoch": self.epoch}

    def restore(self, session, values):
        self.restored = values["epoch"]


def drive(hook, rows):
    """Feed ``rows`` (dicts without 'epoch') to ``hook``; return the fake state."""
    snapshot = FakeSnapshot()
    state = types.SimpleNamespace(ops=types.SimpleNamespace(snapshot=snapshot), session=None,
                                  stop_training=False, stop_reason=None, kept_epoch=None)
    for epoch, row in enumerate(rows, 1):
        snapshot.epoch = epoch
        hook.on_epoch_end(state, dict(row, epoch=epoch))
        if state.stop_training:
            break
    hook.on_train_end(state)
    state.restored = snapshot.restored
    state.epochs_run = epoch
    return state


def test_accuracy_ties_are_broken_by_the_validation_loss():
    rows = [{"val_accuracy": 0.9, "val_loss": 0.5}, {"val_accuracy": 0.95, "val_loss": 0.4},
            {"val_accuracy": 0.95, "val_loss": 0.3},   # tie, lower loss: the new best
            {"val_accuracy": 0.95, "val_loss": 0.35},  # tie, higher loss: no improvement
            {"val_accuracy": 0.94, "val_loss": 0.1}]   # worse accuracy: loss ignored
    hook = EarlyStopping(patience=10, monitor="val_accuracy")
    assert hook.tie_break == "val_loss"
    state = drive(hook, rows)
    assert (hook.best_epoch, hook.best_value, hook.best_tie_value) == (3, 0.95, 0.3)
    assert state.kept_epoch == 3 and state.restored == 3 and hook.wait == 2


def test_without_tie_break_the_first_best_accuracy_is_kept():
    rows = [{"val_accuracy": 0.95, "val_loss": 0.4}, {"val_accuracy": 0.95, "val_loss": 0.3}]
    hook = EarlyStopping(monitor="val_accuracy", tie_break=None)
    drive(hook, rows)
    assert hook.best_epoch == 1


def test_loss_monitor_has_no_tie_break_by_default():
    assert EarlyStopping(monitor="val_loss").tie_break is None
    assert EarlyStopping(monitor="accuracy").tie_break == "loss"


def test_min_delta_ignores_small_gains_but_ties_still_count():
    rows = [{"val_accuracy": 0.90, "val_loss": 0.5},
            {"val_accuracy": 0.905, "val_loss": 0.6},  # +0.005 < min_delta, loss worse: none
            {"val_accuracy": 0.92, "val_loss": 0.6},   # +0.02 > min_delta: improvement
            {"val_accuracy": 0.925, "val_loss": 0.55}]  # within min_delta, lower loss: tie
    hook = EarlyStopping(patience=10, monitor="val_accuracy", min_delta=0.01)
    drive(hook, rows)
    assert hook.best_epoch == 4 and hook.best_value == 0.925


def test_patience_counts_epochs_since_the_last_improvement():
    rows = [{"val_loss": 1.0}, {"val_loss": 0.5}] + [{"val_loss": 0.6}] * 10
    hook = EarlyStopping(patience=3)
    state = drive(hook, rows)
    assert state.epochs_run == 5 and state.stop_training and state.kept_epoch == 2
    assert "has not improved for 3 epochs" in state.stop_reason


def test_non_finite_values_never_improve():
    hook = EarlyStopping(patience=2, monitor="val_accuracy")
    drive(hook, [{"val_accuracy": 0.5, "val_loss": 1.0},
                 {"val_accuracy": float("nan"), "val_loss": 0.1},
                 {"val_accuracy": 0.5, "val_loss": float("nan")}])
    assert hook.best_epoch == 1


def test_state_dict_round_trip_keeps_the_tie_value():
    hook = EarlyStopping(monitor="val_accuracy")
    drive(hook, [{"val_accuracy": 0.5, "val_loss": 1.0}])
    other = EarlyStopping(monitor="val_accuracy")
    other.load_state_dict(hook.state_dict())
    assert other.best_tie_value == 1.0 and other.best_epoch == 1


def test_negative_min_delta_is_refused():
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=-1.0)


def test_estimator_min_delta_stops_earlier_and_restores_the_best_epoch(small_digits):
    X, y = small_digits
    params = dict(n_hidden=1, n_neurons=16, learning_rate=0.01, n_epochs=60, patience=3,
                  early_stopping=True, random_state=0)
    plain = DNNClassifier(**params).fit(X[:300], y[:300], X[300:], y[300:])
    coarse = DNNClassifier(**params, min_delta=0.5).fit(X[:300], y[:300], X[300:], y[300:])
    assert coarse.n_epochs_ <= plain.n_epochs_
    assert coarse.n_epochs_ - coarse.best_epoch_ == 3
    losses = [row["val_loss"] for row in coarse.history_]
    assert coarse.best_val_loss_ == losses[coarse.best_epoch_ - 1]
    with pytest.raises(ValueError, match="min_delta"):
        DNNClassifier(**dict(params, min_delta=-0.1)).fit(X[:300], y[:300])
