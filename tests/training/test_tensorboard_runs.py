"""What a fit's TensorBoard run holds, read back with TensorBoard's own loader: Keras'
``train``/``validation`` curves, the HParams metrics of the KEPT epoch (early stopping's best,
or the last finite one after divergence), numeric hyper-parameters typed numeric, scores added
after the fit, and a search's summary run."""
import math
import os

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import api_pb2, metadata

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.training.tensorboard import (hparam_values, log_run_metrics,
                                              write_search_summary)

from _support import sabotage_hook

FIT = dict(n_hidden=1, n_neurons=16, random_state=0)
KEPT_TAGS = ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate")


def load(path):
    accumulator = EventAccumulator(path, size_guidance={"scalars": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def session_start(accumulator):
    content = accumulator.PluginTagToContent(metadata.PLUGIN_NAME)
    return metadata.parse_session_start_info_plugin_data(
        content[metadata.SESSION_START_INFO_TAG])


def last(accumulator, tag):
    return accumulator.Scalars(tag)[-1].value


@pytest.fixture(scope="module")
def kept(small_digits, tmp_path_factory):
    """4 epochs, the last 2 sabotaged: early stopping keeps epoch 2 (hyper-parameters None)."""
    X, y = small_digits
    clf = DNNClassifier(**FIT, n_epochs=4, early_stopping=True, patience=5,
                        log_dir=str(tmp_path_factory.mktemp("kept")), callbacks=[sabotage_hook(3)])
    clf.fit(X, y)
    assert clf.best_epoch_ == 2 and clf.n_epochs_ == 4
    assert clf.history_[-1]["val_loss"] > clf.history_[1]["val_loss"]
    return clf


def test_curves_are_laid_out_like_keras(kept):
    """One tag per metric in ``train/`` and ``validation/``: TensorBoard overlays them."""
    assert sorted(os.listdir(kept.log_dir_)) == ["hparams", "train", "validation"]
    train = load(os.path.join(kept.log_dir_, "train"))
    validation = load(os.path.join(kept.log_dir_, "validation"))
    assert train.Tags()["graph"] is True
    assert sorted(train.Tags()["scalars"]) == ["epoch_accuracy", "epoch_learning_rate",
                                               "epoch_loss"]
    assert sorted(validation.Tags()["scalars"]) == ["epoch_accuracy", "epoch_loss"]
    for accumulator, prefix in ((train, ""), (validation, "val_")):
        for tag in ("epoch_loss", "epoch_accuracy"):
            events = accumulator.Scalars(tag)
            assert [event.step for event in events] == [1, 2, 3, 4]
            np.testing.assert_allclose([event.value for event in events],
                                       [row[prefix + tag[6:]] for row in kept.history_],
                                       rtol=1e-6)
    np.testing.assert_allclose([event.value for event in train.Scalars("epoch_learning_rate")],
                               [row["learning_rate"] for row in kept.history_], rtol=1e-6)


def test_hparams_metrics_are_those_of_the_kept_epoch(kept):
    session = load(os.path.join(kept.log_dir_, "hparams"))
    row = kept.history_[kept.best_epoch_ - 1]
    for tag in KEPT_TAGS:
        events = session.Scalars(tag)
        assert [event.step for event in events] == [2], tag  # one value: the kept epoch's
        assert events[0].value == pytest.approx(row[tag], rel=1e-6), tag
    assert last(session, "val_loss") != pytest.approx(kept.history_[-1]["val_loss"], rel=1e-3)
    assert last(session, "best_epoch") == 2
    content = session.PluginTagToContent(metadata.PLUGIN_NAME)
    end = metadata.parse_session_end_info_plugin_data(content[metadata.SESSION_END_INFO_TAG])
    assert end.status == api_pb2.STATUS_SUCCESS


def test_kept_epoch_after_divergence(small_digits, tmp_path):
    """A non-finite epoch 3 keeps epoch 2's weights, and its metrics are the run's."""
    X, y = small_digits
    clf = DNNClassifier(**FIT, n_epochs=4, log_dir=str(tmp_path), dropout_rate=0.2,
                        batch_norm_momentum=0.9, callbacks=[sabotage_hook(3, scale=1e30)])
    with pytest.warns(RuntimeWarning, match="kept the weights of epoch 2"):
        clf.fit(X, y)
    assert not math.isfinite(clf.history_[-1]["loss"])
    session = load(os.path.join(clf.log_dir_, "hparams"))
    assert last(session, "best_epoch") == 2
    assert last(session, "loss") == pytest.approx(clf.history_[1]["loss"], rel=1e-6)

    # Numeric hyper-parameters are numbers in the protos; None is left out (test above).
    hparams = dict(session_start(session).hparams)
    for name, value in (("dropout_rate", 0.2), ("batch_norm_momentum", 0.9)):
        assert hparams[name].WhichOneof("kind") == "number_value", name
        assert hparams[name].number_value == pytest.approx(value)


def test_none_hyper_parameters_are_left_out(kept):
    assert hparam_values({"dropout_rate": None, "learning_rate": 0.01}) == {"learning_rate": 0.01}
    hparams = dict(session_start(load(os.path.join(kept.log_dir_, "hparams"))).hparams)
    assert "dropout_rate" not in hparams and "batch_norm_momentum" not in hparams
    assert hparams["learning_rate"].WhichOneof("kind") == "number_value"
    assert hparams["n_neurons"].number_value == 16


def test_log_run_metrics_adds_to_a_finished_run(kept, digits, tmp_path):
    _, X_test, _, y_test = digits
    score = kept.score(X_test, y_test)  # score() logs the first score of a fitted model
    assert log_run_metrics(kept.log_dir_, {"score": score}, overwrite=False) == {}
    assert last(load(os.path.join(kept.log_dir_, "hparams")), "score") == pytest.approx(score)
    # Not overwritten (e.g. a training score after the held-out one); new tags are added,
    # non-finite ones dropped; in the same second, without truncating the other event files.
    assert log_run_metrics(kept.log_dir_, {"score": 0.0, "other": 1.5, "bad": np.nan},
                           overwrite=False) == {"other": 1.5}
    session = load(os.path.join(kept.log_dir_, "hparams"))
    assert last(session, "score") == pytest.approx(score)
    assert last(session, "other") == 1.5 and "bad" not in session.Tags()["scalars"]
    assert last(session, "best_epoch") == 2 and session_start(session).hparams
    log_run_metrics(kept.log_dir_, {"other": 2.5})  # overwrite: the dashboard shows the last
    assert last(load(os.path.join(kept.log_dir_, "hparams")), "other") == 2.5
    assert log_run_metrics(None, {"score": score}) == {}  # a fit without log_dir
    gone = tmp_path / "elsewhere" / "run-x"  # e.g. a model loaded on another machine
    assert log_run_metrics(str(gone), {"score": score}) == {} and not gone.parent.exists()


def test_write_search_summary(tmp_path):
    cv_results = {
        "params": [{"dnn__learning_rate": np.float64(0.01), "dnn__dropout_rate": None},
                   {"dnn__learning_rate": np.float64(0.1), "dnn__dropout_rate": 0.2},
                   {"dnn__learning_rate": np.float64(1.0), "dnn__dropout_rate": 0.5}],
        "mean_test_score": np.array([0.8, 0.9, np.nan]),
        "std_test_score": np.array([0.01, 0.02, np.nan]),
        "rank_test_score": np.array([2, 1, 3], dtype=np.int32)}
    run_dir = write_search_summary(str(tmp_path), cv_results, test_score=0.88, name="my search")
    assert os.path.dirname(run_dir) == str(tmp_path)
    assert os.path.basename(run_dir).startswith("run-")
    assert os.path.basename(run_dir).endswith("-my_search")

    search = load(run_dir)
    hparams = dict(session_start(search).hparams)
    assert {name: value.number_value for name, value in hparams.items()} == \
        pytest.approx({"learning_rate": 0.1, "dropout_rate": 0.2})  # the best, prefix off
    assert {tag: last(search, tag) for tag in search.Tags()["scalars"]} == \
        pytest.approx({"mean_cv_score": 0.9, "std_cv_score": 0.02, "test_score": 0.88})

    candidates = sorted(name for name in os.listdir(run_dir) if name.startswith("candidate-"))
    assert candidates == ["candidate-1", "candidate-2", "candidate-3"]
    first, third = load(os.path.join(run_dir, candidates[0])), \
        load(os.path.join(run_dir, candidates[2]))
    assert sorted(dict(session_start(first).hparams)) == ["learning_rate"]  # None: left out
    assert {tag: last(first, tag) for tag in first.Tags()["scalars"]} == \
        pytest.approx({"mean_cv_score": 0.8, "std_cv_score": 0.01, "rank_cv_score": 2})
    assert third.Tags()["scalars"] == ["rank_cv_score"]  # a failed candidate: no NaN scores
