"""TensorBoard HParams records of every fit: read back with TensorBoard's own loader and
served by a real TensorBoard process, for the runs of a whole RandomizedSearchCV."""
import json
import os
import signal
import socket
import subprocess
import sys
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
from tfgraph_dnn.training.tensorboard import hparam_values

METRIC_TAGS = ("loss", "accuracy", "val_loss", "val_accuracy")
# Two candidates for sure (a grid of two points is sampled without replacement); NumPy
# integers as scipy's randint would give them, which the HParams protos do not take as-is.
CANDIDATES = [{"learning_rate": [0.003], "n_neurons": [np.int64(16)]},
              {"learning_rate": [0.01], "n_neurons": [np.int64(32)]}]
N_RUNS = 2 * 2 + 1  # 2 candidates x 2 folds + the refit of the best one
SERVER_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def search(small_digits, tmp_path_factory):
    """A 2-candidate, 2-fold search logging every fit under one ``log_dir``."""
    X, y = small_digits
    log_dir = tmp_path_factory.mktemp("logs")
    # early_stopping holds out a validation split, so the val_* metrics are logged too.
    estimator = DNNClassifier(n_hidden=1, n_epochs=2, early_stopping=True, patience=5,
                              log_dir=str(log_dir), random_state=0)
    search = RandomizedSearchCV(estimator, CANDIDATES, n_iter=2, cv=2, random_state=0)
    return search.fit(X, y), str(log_dir)


def run_dirs(log_dir):
    return sorted(os.path.join(log_dir, name) for name in os.listdir(log_dir))


def hparams_records(run_dir):
    """(session start info, session end info or None, accumulator) of a run directory."""
    accumulator = EventAccumulator(run_dir, size_guidance={"scalars": 0, "tensors": 0})
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
        "dropout_rate": "None", "hidden_layer_sizes": "(64, 32)", "other_sizes": "(64, 32)",
        "activation": "tanh", "lr_schedule": "ExponentialDecay(decay_rate=0.5, decay_epochs=None)",
    }  # a RandomState has no faithful scalar form: left out
    assert type(values["n_neurons"]) is int and type(values["early_stopping"]) is bool


# --------------------------------------------------------------------------- event files
def test_each_fit_writes_its_hparams_session(search):
    search, log_dir = search
    best = search.best_estimator_
    runs = run_dirs(log_dir)
    assert len(runs) == N_RUNS

    start, end, accumulator = hparams_records(best.log_dir_)  # the refit's run
    hparams = dict(start.hparams)
    assert hparams["learning_rate"].number_value == pytest.approx(best.learning_rate)
    assert hparams["n_neurons"].number_value == best.n_neurons
    assert hparams["activation"].string_value == "elu"
    assert hparams["early_stopping"].bool_value is True
    assert hparams["dropout_rate"].string_value == "None"
    for plumbing in ("log_dir", "run_name", "checkpoint_dir", "callbacks", "verbose"):
        assert plumbing not in hparams
    assert end is not None and end.status == api_pb2.STATUS_SUCCESS
    assert end.end_time_secs >= start.start_time_secs > 0

    # The dashboard's metrics are the session run's scalars: the last epoch's values.
    scalar_tags = accumulator.Tags()["scalars"]
    for tag in METRIC_TAGS:
        assert tag in scalar_tags, tag
        assert accumulator.Scalars(tag)[-1].value == pytest.approx(best.history_[-1][tag],
                                                                   rel=1e-6)

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


def poll(fetch, ready, process, log_path, what):
    """``fetch()`` until ``ready(answer)``; fail early if TensorBoard exits."""
    deadline, answer = time.monotonic() + SERVER_TIMEOUT, None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"TensorBoard exited ({process.returncode}): "
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


def exited(process):
    """Whether the process has exited, without reaping it (its group id stays ours)."""
    return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def stop(process):
    """End the TensorBoard process group (its data-server child included) and reap it."""
    if process.returncode is None:
        os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while not exited(process) and time.monotonic() < deadline:
            time.sleep(0.2)
        try:  # whatever is left of the group: a hung server or children that outlived it
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=20)


def test_tensorboard_server_compares_the_runs_of_a_search(search, tmp_path):
    search, log_dir = search
    run_names = sorted(os.path.basename(run) for run in run_dirs(log_dir))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "tensorboard.log"
    with open(log_path, "w") as log:
        # Its own session (process group), so stop() reaches every process it starts.
        process = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", "--logdir", log_dir,
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        runs = poll(lambda: fetch_json(f"{base}/data/runs"),
                    lambda runs: sorted(runs) == run_names, process, log_path, "the 5 runs")
        assert len(runs) == N_RUNS

        tags = poll(lambda: fetch_json(f"{base}/data/plugin/scalars/tags"),
                    lambda tags: set(run_names) <= set(tags), process, log_path, "scalar tags")
        for run in run_names:
            assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(tags[run]), run

        experiment = poll(
            lambda: fetch_json(f"{base}/data/plugin/hparams/experiment", {"experimentName": ""}),
            lambda answer: answer.get("hparamInfos"), process, log_path, "the experiment")
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
        metric_tags = {info["name"]["tag"] for info in experiment["metricInfos"]}
        assert set(METRIC_TAGS) <= metric_tags

        groups = fetch_json(f"{base}/data/plugin/hparams/session_groups", {
            "experimentName": "", "allowedStatuses": ["STATUS_SUCCESS"],
            "colParams": [{"hparam": "learning_rate"}, {"metric": {"tag": "loss"}}],
            "startIndex": 0, "sliceSize": 100})
        assert groups["totalSize"] == N_RUNS  # one row per fit, all ended successfully
        for group in groups["sessionGroups"]:
            assert [session["status"] for session in group["sessions"]] == ["STATUS_SUCCESS"]
            losses = [value["value"] for value in group["metricValues"]
                      if value["name"]["tag"] == "loss"]
            assert len(losses) == 1 and np.isfinite(losses[0])
    finally:
        stop(process)
    assert process.returncode is not None
