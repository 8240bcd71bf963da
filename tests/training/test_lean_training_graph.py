"""The training graph builds only what a fit uses (first fits pay for every op built).

The weight snapshot and the knobs set variables through their own initializers
(no placeholder or assign op per variable), checkpoints are written without a
Saver in the graph yet byte for byte as a Saver writes them, and weight
histograms exist only in graphs of fits that log them.
"""
import os

import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn import DNNClassifier
from tfgraph_dnn.exceptions import CheckpointError
from tfgraph_dnn.model.knobs import Knobs
from tfgraph_dnn.training.cache import GRAPH_CACHE
from tfgraph_dnn.training.graph import SnapshotSaver, WeightSnapshot

v1 = tf.compat.v1
SMALL = dict(n_hidden=2, n_neurons=12, n_epochs=2, batch_size=64, random_state=0)


def _variables():
    """A kernel, an int64 step and a variable whose initial value reads a local one (as
    Adam's beta powers read the beta knobs); the local one is initialized first."""
    kernel = v1.get_variable("layer/kernel", (3, 2), use_resource=True)
    step = v1.get_variable("global_step", (), tf.int64, use_resource=True,
                           initializer=v1.zeros_initializer())
    beta = v1.Variable(0.9, use_resource=True, name="beta",
                       collections=[v1.GraphKeys.LOCAL_VARIABLES])
    power = v1.Variable(beta.read_value(), use_resource=True, name="train/beta1_power")
    return [kernel, step, power]


def _initialize(session):
    session.run(v1.local_variables_initializer())
    session.run(v1.global_variables_initializer())


def test_snapshot_restores_and_assigns_without_ops_of_its_own(graph):
    variables = _variables()
    n_ops = len(graph.get_operations())
    snapshot = WeightSnapshot(variables)
    assert len(graph.get_operations()) == n_ops  # nothing added
    with v1.Session(graph=graph) as session:
        _initialize(session)
        values = {"layer/kernel": np.arange(6, dtype=np.float32).reshape(3, 2),
                  "global_step": np.int64(7), "train/beta1_power": np.float32(-1.5)}
        snapshot.restore(session, values)
        captured = snapshot.capture(session)
        for name, value in values.items():
            np.testing.assert_array_equal(captured[name], value)
        snapshot.assign(session, {"global_step": 9})
        assert snapshot.capture(session)["global_step"] == 9
        assert snapshot.capture(session)["train/beta1_power"] == np.float32(-1.5)
        with pytest.raises(ValueError, match=r"layer/kernel.*\(3, 2\)"):
            snapshot.assign(session, {"layer/kernel": np.zeros((2, 3), np.float32)})
        with pytest.raises(ValueError, match="lacks variables"):
            snapshot.restore(session, {"global_step": 1})


def test_knobs_are_set_through_their_initializers(graph):
    knobs = Knobs()
    rate = knobs.add("learning_rate", 0.1)
    seed = knobs.add("seed", 3, tf.int64)
    doubled = rate * 2.0
    assert not [op for op in graph.get_operations() if op.type == "Placeholder"]
    with v1.Session(graph=graph) as session:
        knobs.assign_all(session, {"seed": 11})
        assert session.run(seed) == 11 and session.run(rate) == np.float32(0.1)
        knobs.assign(session, {"learning_rate": 0.5})
        assert session.run(doubled) == np.float32(1.0) and session.run(seed) == 11
        with pytest.raises(KeyError, match="momentum"):
            knobs.assign(session, {"momentum": 0.9})


def test_snapshot_saver_writes_the_files_of_a_tensorflow_saver(graph, tmp_path):
    variables = _variables()
    saver = v1.train.Saver(max_to_keep=None, save_relative_paths=True)
    ours = SnapshotSaver(WeightSnapshot(variables))
    with v1.Session(graph=graph) as session:
        _initialize(session)
        saver.save(session, str(tmp_path / "tf"), write_meta_graph=False, write_state=False)
        assert ours.save(session, str(tmp_path / "ours")) == str(tmp_path / "ours")
        for suffix in (".index", ".data-00000-of-00001"):
            with open(tmp_path / ("tf" + suffix), "rb") as theirs_file, \
                    open(tmp_path / ("ours" + suffix), "rb") as ours_file:
                assert ours_file.read() == theirs_file.read(), suffix
        before = session.run(variables)
        session.run([variable.initializer for variable in variables[:2]],
                    {variables[0].initializer.inputs[1]: np.ones((3, 2), np.float32),
                     variables[1].initializer.inputs[1]: 5})
        ours.restore(session, str(tmp_path / "tf"))  # a TensorFlow Saver's checkpoint
        for value, expected in zip(session.run(variables), before):
            np.testing.assert_array_equal(value, expected)
        with pytest.raises(ValueError, match="meta graphs"):
            ours.save(session, str(tmp_path / "meta"), write_meta_graph=True)


def test_restoring_a_damaged_checkpoint_is_a_checkpoint_error(graph, tmp_path):
    variables = _variables()
    ours = SnapshotSaver(WeightSnapshot(variables))
    with v1.Session(graph=graph) as session:
        _initialize(session)
        prefix = ours.save(session, str(tmp_path / "model.ckpt"))
        data = tmp_path / "model.ckpt.data-00000-of-00001"
        raw = bytearray(data.read_bytes())
        raw[0] ^= 0xFF
        data.write_bytes(bytes(raw))
        with pytest.raises(CheckpointError, match="model.ckpt"):
            ours.restore(session, prefix)


def test_a_fit_graph_has_no_saver_and_histograms_only_when_logged(small_digits, tmp_path):
    X, y = small_digits
    GRAPH_CACHE.clear()
    plain = DNNClassifier(**SMALL).fit(X, y)
    names = [op.name for op in plain._model.graph.get_operations()]
    assert not [name for name in names if name.startswith(("save/", "summaries/",
                                                           "snapshot/"))]
    assert plain._model.ops.histograms is None
    logged = DNNClassifier(**SMALL, log_dir=str(tmp_path / "logs"), log_histograms=True)
    logged.fit(X, y)
    assert logged._model.ops.histograms is not None
    assert logged._model.graph is not plain._model.graph  # another structure
    np.testing.assert_array_equal(logged.predict_proba(X), plain.predict_proba(X))
    saved = plain.save(str(tmp_path / "model"))
    GRAPH_CACHE.clear()  # as in a new process
    loaded = DNNClassifier.load(str(tmp_path / "model"))
    np.testing.assert_array_equal(loaded.predict_proba(X), plain.predict_proba(X))
    assert os.path.isdir(saved)
