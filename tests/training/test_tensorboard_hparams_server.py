"""TensorBoard HParams records of every fit: read back with TensorBoard's own loader and
served by a real TensorBoard process, for the runs of a whole RandomizedSearchCV: Keras'
train/validation curves, the kept epoch's metrics, scores logged after the fits and the
search's own summary run."""
import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from sklearn.model_selection import RandomizedSearchCV
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import api_pb2, metadata

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.training.schedules import ExponentialDecay
from tfgraph_dnn.training.tensorboard import hparam_values, log_run_metrics, \
    write_search_summary

from _support import sabotage_hook

# The HParams metrics of a fit: its kept epoch's row and that epoch.
METRIC_TAGS = ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "best_epoch")
CURVE_TAGS = ("epoch_loss", "epoch_accuracy")  # in <run>/train and <run>/validation
# Two candidates for sure (a grid of two points is sampled without replacement); NumPy
# integers as scipy's randint would give them, which the HParams protos do not take as-is;
# dropout_rate and batch_norm_momentum None in one, a number in the other.
CANDIDATES = [{"learning_rate": [0.003], "n_neurons": [np.int64(16)], "dropout_rate": [None],
               "batch_norm_momentum": [0.9]},
              {"learning_rate": [0.01], "n_neurons": [np.int64(32)], "dropout_rate": [0.2],
               "batch_norm_momentum": [None]}]
N_RUNS = 2 * 2 + 1  # 2 candidates x 2 folds + the refit of the best one
N_SESSIONS = N_RUNS + 1 + 2  # + the search's summary and one per candidate
SERVER_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def search(small_digits, digits, tmp_path_factory):
    """A 2-candidate, 2-fold search logging every fit under one ``log_dir``.

    Epochs 3 and 4 are sabotaged, so every fit's early stopping keeps epoch 2.  The
    refit's test score and the search's summary are logged afterwards.
    """
    X, y = small_digits
    _, X_test, _, y_test = digits
    log_dir = tmp_path_factory.mktemp("logs")
    # early_stopping holds out a validation split, so the val_* metrics are logged too.
    estimator = DNNClassifier(n_hidden=1, n_epochs=4, early_stopping=True, patience=5,
                              log_dir=str(log_dir), random_state=0, callbacks=[sabotage_hook(3)])
    search = RandomizedSearchCV(estimator, CANDIDATES, n_iter=2, cv=2, random_state=0)
    search.fit(X, y)
    test_score = search.score(X_test, y_test)
    log_run_metrics(search.best_estimator_.log_dir_, {"score": test_score}, overwrite=False)
    summary = write_search_summary(str(log_dir), search.cv_results_, test_score=test_score)
    return search, str(log_dir), summary, test_score


def run_dirs(log_dir):
    """The fits' run directories (the search's summary run left out)."""
    return sorted(os.path.join(log_dir, name) for name in os.listdir(log_dir)
                  if not name.endswith("-search"))


def hparams_records(run_dir):
    """(session start info, session end info or None, accumulator) of a run's session."""
    accumulator = EventAccumulator(os.path.join(run_dir, "hparams"),
                                   size_guidance={"scalars": 0, "tensors": 0})
    accumulator.Reload()
    content = accumulator.PluginTagToContent(metadata.PLUGIN_NAME)
    start = metadata.parse_session_start_info_plugin_data(
        content[metadata.SESSION_START_INFO_TAG])
    end = (metadata.parse_session_end_info_plugin_data(content[metadata.SESSION_END_INFO_TAG])
           if metadata.SESSION_END_INFO_TAG in content else None)
    return start, end, accumulator


# --------------------------------------------------------------------------- values
def test_hparam_values_converts_what_the_protos_cannot_hold():
    values = hparam_values({
        "n_neurons": np.int64(16), "learning_rate": np.float64(0.01), "l1": 0,
        "early_stopping": np.bool_(True), "dropout_rate": None, "hidden_layer_sizes": [64, 32],
        "other_sizes": np.array([64, 32]), "activation": np.tanh,
        "lr_schedule": ExponentialDecay(decay_rate=0.5), "random_state": np.random.RandomState(0),
    })
    assert values == {
        "n_neurons": 16, "learning_rate": 0.01, "l1": 0, "early_stopping": True,
        "hidden_layer_sizes": "(64, 32)", "other_sizes": "(64, 32)",
        "activation": "tanh", "lr_schedule": "ExponentialDecay(decay_rate=0.5, decay_epochs=None)",
    }  # a RandomState has no faithful scalar form and None would type numbers as strings
    assert type(values["n_neurons"]) is int and type(values["early_stopping"]) is bool


# --------------------------------------------------------------------------- event files
def test_each_fit_writes_its_hparams_session(search):
    search, log_dir, _, test_score = search
    best = search.best_estimator_
    runs = run_dirs(log_dir)
    assert len(runs) == N_RUNS

    start, end, accumulator = hparams_records(best.log_dir_)  # the refit's run
    hparams = dict(start.hparams)
    assert hparams["learning_rate"].number_value == pytest.approx(best.learning_rate)
    assert hparams["n_neurons"].number_value == best.n_neurons
    assert hparams["activation"].string_value == "elu"
    assert hparams["early_stopping"].bool_value is True
    # Numbers where set, left out where None (a "None" string would type them as strings).
    for name in ("dropout_rate", "batch_norm_momentum"):
        value = getattr(best, name)
        assert (hparams[name].number_value == pytest.approx(value)) if value is not None \
            else name not in hparams
    for plumbing in ("log_dir", "run_name", "checkpoint_dir", "callbacks", "verbose"):
        assert plumbing not in hparams
    assert end is not None and end.status == api_pb2.STATUS_SUCCESS
    assert end.end_time_secs >= start.start_time_secs > 0

    # The dashboard's metrics are the session run's scalars: the kept epoch's values.
    assert best.best_epoch_ == 2 and best.n_epochs_ == 4
    kept = best.history_[best.best_epoch_ - 1]
    scalar_tags = accumulator.Tags()["scalars"]
    for tag in METRIC_TAGS[:-1]:
        assert tag in scalar_tags, tag
        assert accumulator.Scalars(tag)[-1].value == pytest.approx(kept[tag], rel=1e-6)
    assert accumulator.Scalars("best_epoch")[-1].value == 2
    assert accumulator.Scalars("score")[-1].value == pytest.approx(test_score, rel=1e-6)
    assert best.history_[-1]["val_loss"] > kept["val_loss"]  # the last epoch is not shown

    # The curves: the same tags in train/ and validation/, every epoch.
    for group, prefix in (("train", ""), ("validation", "val_")):
        curves = EventAccumulator(os.path.join(best.log_dir_, group),
                                  size_guidance={"scalars": 0})
        curves.Reload()
        for tag in CURVE_TAGS:
            np.testing.assert_allclose([event.value for event in curves.Scalars(tag)],
                                       [row[prefix + tag[6:]] for row in best.history_],
                                       rtol=1e-6)

    # Every fit of the search is a session of its own: 2 folds per candidate + the refit.
    learning_rates = sorted(dict(hparams_records(run)[0].hparams)["learning_rate"].number_value
                            for run in runs)
    expected = sorted([0.003, 0.003, 0.01, 0.01, best.learning_rate])
    np.testing.assert_allclose(learning_rates, expected)


# --------------------------------------------------------------------------- live server
def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch_json(url, body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def poll(fetch, ready, server, log_path, what):
    """``fetch()`` until ``ready(answer)``; fail early if TensorBoard exits."""
    deadline, answer = time.monotonic() + SERVER_TIMEOUT, None
    while time.monotonic() < deadline:
        if server.exited():
            pytest.fail(f"TensorBoard exited ({server.stop()}): "
                        f"{open(log_path, encoding='utf-8', errors='replace').read()[-2000:]}")
        try:
            answer = fetch()
            if ready(answer):
                return answer
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            pass  # not listening or not loaded yet
        time.sleep(0.5)
    pytest.fail(f"TensorBoard did not serve {what} within {SERVER_TIMEOUT:.0f} s; last "
                f"answer {answer!r}; log: {open(log_path, encoding='utf-8').read()[-2000:]}")


# TensorBoard's command line (the ``tensorboard`` script's entry point), in a process of its
# own: forked from a Python that has TensorFlow imported already (which TensorBoard imports).
TENSORBOARD = """
import sys
from tensorboard.main import run_main
sys.argv[0] = "tensorboard"
run_main()
"""


class TensorBoard:
    """A running TensorBoard process (a child of ``preloaded_python``)."""

    def __init__(self, preloaded_python, *args):
        self.server = preloaded_python
        # its own process group, so stop() reaches every process it starts
        self.pid, self.log_path = preloaded_python.start(TENSORBOARD, *args, group=True)
        self.ended = None

    def exited(self):
        return self.ended is not None or self.server.exited(self.pid)

    def stop(self):
        """End the TensorBoard process group (its data-server child included) and reap it;
        returns how the process ended."""
        if self.ended is None:
            os.killpg(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + 20
            while not self.exited() and time.monotonic() < deadline:
                time.sleep(0.2)
            try:  # whatever is left of the group: a hung server or children that outlived it
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.ended = self.server.wait(self.pid, timeout=20)
        return self.ended


def metric_values(group):
    """``{tag: value}`` of a session group (the sessions' metrics have no group)."""
    return {value["name"]["tag"]: value["value"] for value in group["metricValues"]
            if not value["name"].get("group")}


@pytest.mark.slow
def test_tensorboard_server_compares_the_runs_of_a_search(search, preloaded_python):
    search, log_dir, summary, test_score = search
    fits = sorted(os.path.basename(run) for run in run_dirs(log_dir))
    summary_name = os.path.basename(summary)
    run_names = sorted([f"{fit}/{sub}" for fit in fits for sub in ("hparams", "train",
                                                                    "validation")]
                       + [summary_name, f"{summary_name}/candidate-1",
                          f"{summary_name}/candidate-2"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = TensorBoard(preloaded_python, "--logdir", log_dir, "--host", "127.0.0.1",
                         "--port", str(port))
    log_path = server.log_path
    try:
        runs = poll(lambda: fetch_json(f"{base}/data/runs"),
                    lambda runs: sorted(runs) == run_names, server, log_path, "the 18 runs")
        assert len(runs) == 3 * N_RUNS + 3

        # Keras' layout: one chart per tag, the train and validation runs overlaid in it.
        tags = poll(lambda: fetch_json(f"{base}/data/plugin/scalars/tags"),
                    lambda tags: set(run_names) <= set(tags), server, log_path, "scalar tags")
        for fit in fits:
            assert set(CURVE_TAGS) | {"epoch_learning_rate"} <= set(tags[f"{fit}/train"]), fit
            assert set(tags[f"{fit}/validation"]) == set(CURVE_TAGS), fit
        best = search.best_estimator_
        best_run = os.path.basename(best.log_dir_)
        served = fetch_json(f"{base}/data/plugin/scalars/scalars?run={best_run}/validation"
                            "&tag=epoch_loss")
        np.testing.assert_allclose([value for _, _, value in served],
                                   [row["val_loss"] for row in best.history_], rtol=1e-6)

        experiment = poll(
            lambda: fetch_json(f"{base}/data/plugin/hparams/experiment", {"experimentName": ""}),
            lambda answer: answer.get("hparamInfos"), server, log_path, "the experiment")
        hparam_infos = {info["name"]: info for info in experiment["hparamInfos"]}
        assert {"learning_rate", "n_neurons", "activation"} <= set(hparam_infos)
        assert "log_dir" not in hparam_infos
        # Derived over all runs: what the search varied is flagged (the dashboard shows it
        # first), with the interval it spans.
        learning_rate = hparam_infos["learning_rate"]
        assert learning_rate["type"] == "DATA_TYPE_FLOAT64" and learning_rate["differs"]
        assert learning_rate["domainInterval"] == {"minValue": 0.003, "maxValue": 0.01}
        assert hparam_infos["n_neurons"]["differs"]
        assert not hparam_infos["activation"].get("differs", False)
        # None in some runs, a number in others: still numbers.
        assert hparam_infos["dropout_rate"]["type"] == "DATA_TYPE_FLOAT64"
        assert hparam_infos["dropout_rate"]["domainInterval"] == {"minValue": 0.2,
                                                                 "maxValue": 0.2}
        assert hparam_infos["batch_norm_momentum"]["type"] == "DATA_TYPE_FLOAT64"
        # The metrics are the sessions' own: no curve (whose last value is the last epoch's).
        metric_names = {(info["name"].get("group", ""), info["name"]["tag"])
                        for info in experiment["metricInfos"]}
        assert metric_names == {("", tag) for tag in METRIC_TAGS + (
            "score", "mean_cv_score", "std_cv_score", "rank_cv_score", "test_score")}

        groups = fetch_json(f"{base}/data/plugin/hparams/session_groups", {
            "experimentName": "", "allowedStatuses": ["STATUS_SUCCESS"],
            "colParams": [{"hparam": "learning_rate"}, {"metric": {"tag": "val_loss"}}],
            "startIndex": 0, "sliceSize": 100})
        assert groups["totalSize"] == N_SESSIONS  # one row per fit/candidate/search
        rows = {}
        for group in groups["sessionGroups"]:
            assert [session["status"] for session in group["sessions"]] == ["STATUS_SUCCESS"]
            rows[group["sessions"][0]["name"]] = metric_values(group)
        kept = best.history_[best.best_epoch_ - 1]
        refit = rows[f"{best_run}/hparams"]
        assert refit["val_loss"] == pytest.approx(kept["val_loss"], rel=1e-6)
        assert refit["val_loss"] != pytest.approx(best.history_[-1]["val_loss"], rel=1e-3)
        assert refit["best_epoch"] == 2 and refit["score"] == pytest.approx(test_score)
        for fit in fits:
            assert rows[f"{fit}/hparams"]["best_epoch"] == 2, fit
        assert rows[summary_name] == pytest.approx({
            "mean_cv_score": search.best_score_, "test_score": test_score,
            "std_cv_score": search.cv_results_["std_test_score"][search.best_index_]})
        for index in (1, 2):
            assert rows[f"{summary_name}/candidate-{index}"]["mean_cv_score"] == pytest.approx(
                search.cv_results_["mean_test_score"][index - 1])
    finally:
        server.stop()
    assert server.ended is not None
