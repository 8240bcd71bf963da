"""Logs never turn a result into a crash (issue 19, symptom 6).

A log written after its result is computed -- a score, a fit's later epochs,
the HParams session, a search's summary, the CLI's ``metrics.json`` -- that
cannot be written is one LoggingWarning per directory, and the result is
returned.  A ``log_dir`` that cannot be written when a fit starts is an
error naming it, before any training.

Unwritable directories are real ones (the tests may run as root, where
``chmod`` stops nothing): a symbolic link into ``/proc`` (no file can be
created there) or a path whose parent is a file; a disk that fills mid-fit is
TensorFlow's writer raising ``OSError(ENOSPC)``.
"""
from __future__ import annotations

import errno
import os
import shutil
import warnings

import pytest
import tensorflow as tf
from sklearn.metrics import accuracy_score

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.exceptions import LoggingWarning
from tfgraph_dnn.training.tensorboard import write_search_summary

from _support import random_binary

TINY = dict(n_hidden=1, n_neurons=3, n_epochs=3, batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def data():
    return random_binary(low=-1.0, high=1.0)


def _read_only(path: str) -> None:
    """Replace directory ``path`` by one nobody can create files in (root included)."""
    shutil.rmtree(path)
    os.symlink("/proc/self", path)


def _logging_warnings(record) -> list:
    return [w for w in record if issubclass(w.category, LoggingWarning)]


def test_score_with_a_read_only_run_directory_warns_once_and_returns_it(data, tmp_path):
    X, y = data
    model = DNNClassifier(log_dir=str(tmp_path), **TINY).fit(X, y)
    _read_only(os.path.join(model.log_dir_, "hparams"))
    expected = accuracy_score(y, model.predict(X))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        scores = [model.score(X, y), model.score(X[:20], y[:20])]
    assert scores[0] == expected
    assert scores[1] == accuracy_score(y[:20], model.predict(X[:20]))
    [warning] = _logging_warnings(record)  # once per run directory, not per score
    assert "hparams" in str(warning.message) and "score" in str(warning.message)


class FailingWrites:
    """``FileWriter.add_summary`` fails with a full disk after ``after`` calls."""

    def __init__(self, monkeypatch, after: int):
        self.calls, self.after = 0, after
        original = tf.compat.v1.summary.FileWriter.add_summary

        def add_summary(writer, *args, **kwargs):
            self.calls += 1
            if self.calls > self.after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return original(writer, *args, **kwargs)

        monkeypatch.setattr(tf.compat.v1.summary.FileWriter, "add_summary", add_summary)


@pytest.mark.parametrize("after", [2, 5])  # mid-fit curves; the HParams session's end
def test_a_disk_that_fills_mid_fit_loses_logs_not_the_fit(data, tmp_path, monkeypatch, after):
    X, y = data
    FailingWrites(monkeypatch, after)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = DNNClassifier(log_dir=str(tmp_path), **TINY).fit(X, y)
    assert len(model.history_) == TINY["n_epochs"]
    assert model.predict(X).shape == y.shape
    [warning] = _logging_warnings(record)
    assert "No space left on device" in str(warning.message)


def test_a_log_dir_that_cannot_be_made_is_an_error_naming_it_before_training(data, tmp_path):
    X, y = data
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    began = []

    class Spy:
        def on_train_begin(self, state):
            began.append(state)

    with pytest.raises(OSError, match=r"a run directory \(log_dir\) in .*a-file"):
        DNNClassifier(log_dir=str(blocker / "logs"), callbacks=[Spy()], **TINY).fit(X, y)
    assert began == []


def test_a_search_summary_that_cannot_be_written_warns_and_returns_none(tmp_path):
    read_only = tmp_path / "logs"
    read_only.mkdir()
    _read_only(str(read_only))
    results = {"params": [{"learning_rate": 0.1}], "mean_test_score": [0.5],
               "std_test_score": [0.1], "rank_test_score": [1]}
    with pytest.warns(LoggingWarning, match="search summary"):
        assert write_search_summary(str(read_only), results, test_score=0.5) is None


def test_train_command_reports_its_accuracy_when_metrics_json_fails(tmp_path, capsys,
                                                                    monkeypatch):
    from tfgraph_dnn.cli import main
    from tfgraph_dnn.cli import train as cli_train

    def full_disk(path, payload):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    monkeypatch.setattr(cli_train, "write_json", full_disk)
    with pytest.warns(LoggingWarning, match="metrics.json"):
        code = main(["train", "--n-hidden", "1", "--n-neurons", "3", "--n-epochs", "1",
                     "--log-dir", str(tmp_path / "logs")])
    assert code == 0
    assert "test accuracy: " in capsys.readouterr().out
