"""Transfer learning and persistence of DNNClassifier.

Covers: save/load (also in a fresh process), load errors and crash-safe saves,
warm start from TF1-style checkpoints (prefix, TF checkpoint directory, save()
directory), renamed scopes (assignment maps, batch norm), shape mismatches,
frozen layers (no optimizer slots, bit-for-bit unchanged), cached frozen
layers, replacing the output layer, MC dropout, SavedModel export served by
plain eager TF2, pickling / joblib / clone, and TF1 meta-graph reuse.

Nets are tiny (2 hidden layers of 32 units, a few epochs on the digits) and the
fitted models are module-scoped fixtures shared across tests.  Both checks that
need a fresh interpreter (``DNNClassifier.load`` and SavedModel serving) run in
one subprocess, forked from the TensorFlow-only fork server of ``conftest.py`` (one
TensorFlow import, early, shared with the SavedModel tests).
"""
import glob
import json
import os
import pickle
import re
import shutil
import textwrap
import types

import joblib
import numpy as np
import pytest
import tensorflow as tf
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from tfgraph_dnn import DNNClassifier, WarmStartSettings, layers
from tfgraph_dnn.training import Hook
from tfgraph_dnn.storage import layout as layout_module
from tfgraph_dnn.exceptions import CheckpointError
from tfgraph_dnn.training.checkpoint import latest_save_dir
from tfgraph_dnn.training.transfer import (import_meta_graph, list_checkpoint_variables,
                                           mark_important_ops, read_warm_start_values,
                                           resolve_checkpoint, restore_variables)

v1 = tf.compat.v1

# n_threads=1: the machine is shared, and one thread keeps reductions reproducible.
SMALL = dict(hidden_layer_sizes=(32, 32), n_epochs=3, random_state=0, n_threads=1)
HIDDEN = ["hidden1/bias", "hidden1/kernel", "hidden2/bias", "hidden2/kernel"]
LETTERS = np.array(["a", "b", "c", "d"])


class CaptureWeights(Hook):
    """Keeps the net's variables as they are just before the first training step."""

    def on_train_begin(self, state):
        variables = state.endpoints.variables
        self.weights = {v.op.name: value
                        for v, value in zip(variables, state.session.run(variables))}


def checkpoint_values(path):
    """``{name: array}`` of every variable in a checkpoint (prefix or directory)."""
    reader = tf.train.load_checkpoint(resolve_checkpoint(path))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def global_variable_names(clf):
    return {v.op.name for v in clf._model.graph.get_collection(v1.GraphKeys.GLOBAL_VARIABLES)}


def assert_not_fitted(clf, X):
    """A failed fit must not leave a servable (randomly initialized) model behind."""
    with pytest.raises((NotFittedError, RuntimeError)):
        clf.predict(X[:3])


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def data(digits):
    X_train, X_test, y_train, y_test = digits
    return X_train, X_test, y_train, y_test


@pytest.fixture(scope="module")
def base(data):
    """10 digit classes, integer labels."""
    X_train, _, y_train, _ = data
    return DNNClassifier(**SMALL).fit(X_train, y_train)


@pytest.fixture(scope="module")
def lettered(data):
    """Digits 0-3 labelled 'a'..'d' (string classes)."""
    X_train, _, y_train, _ = data
    mask = y_train < 4
    return DNNClassifier(**SMALL).fit(X_train[mask], LETTERS[y_train[mask]])


@pytest.fixture(scope="module")
def base_saved(base, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "base"
    base.save(path)
    return str(path)


@pytest.fixture(scope="module")
def tf1_checkpoint(tmp_path_factory):
    """A TF1-era checkpoint: reference variables, ``name_scope('dnn')``, Saver with state file.

    Returns the checkpoint prefix ``<tmp>/tf1/model.ckpt``.
    """
    directory = tmp_path_factory.mktemp("ckpt") / "tf1"
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(123)
        X = v1.placeholder(tf.float32, shape=(None, 64), name="X")
        with v1.name_scope("dnn"):
            hidden1 = layers.dense(X, 32, activation=tf.nn.elu, name="hidden1")
            hidden2 = layers.dense(hidden1, 32, activation=tf.nn.elu, name="hidden2")
            layers.dense(hidden2, 10, name="logits")
        # Non-zero biases, so that "restored" cannot pass by accident on zeros.
        assigns = [v.assign(tf.random.normal(v.shape, seed=7 + i))
                   for i, v in enumerate(v1.global_variables()) if v.op.name.endswith("bias")]
        init = v1.global_variables_initializer()
        saver = v1.train.Saver()
        with v1.Session() as session:
            session.run(init)
            session.run(assigns)
            prefix = saver.save(session, str(directory / "model.ckpt"))
    assert os.path.exists(directory / "checkpoint")
    return prefix


@pytest.fixture(scope="module")
def renamed_checkpoint(tmp_path_factory):
    """TF1 checkpoint with other scope names: ``layer_a/*``, top-level ``batch_normalization/*``."""
    directory = tmp_path_factory.mktemp("renamed")
    graph = tf.Graph()
    with graph.as_default():
        X = v1.placeholder(tf.float32, shape=(None, 64), name="X")
        training = v1.placeholder_with_default(False, shape=(), name="training")
        hidden = layers.dense(X, 32, name="layer_a")
        hidden = layers.batch_normalization(hidden, training=training, momentum=0.9)
        layers.dense(tf.nn.elu(hidden), 10, name="out")
        variables = v1.global_variables()
        rng = np.random.RandomState(3)
        values = {v.op.name: rng.uniform(0.5, 1.5, v.shape.as_list()).astype(np.float32)
                  for v in variables}
        assigns = [v.assign(values[v.op.name]) for v in variables]
        saver = v1.train.Saver()
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            session.run(assigns)
            prefix = saver.save(session, str(directory / "model.ckpt"))
    return prefix


@pytest.fixture(scope="module")
def exported(base, lettered, tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    return {"base": base.export_saved_model(str(root / "base")),
            "lettered": lettered.export_saved_model(str(root / "lettered"))}


# A fresh interpreter (forked from the fork server of ``conftest.py``, which imported
# TensorFlow only); asked once (``child`` below): serve the SavedModels, then load the save()
# directories.
CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    sys.modules["tfgraph_dnn"] = None  # serving must not need the package at all
    import tensorflow as tf

    def handle(jobs):
        X = np.load(jobs["X"])
        assert tf.executing_eagerly()
        for name, path in jobs["saved_models"].items():
            served = tf.saved_model.load(path).signatures["serving_default"](
                features=tf.constant(X))
            classes = [c.decode() if isinstance(c, bytes) else c
                       for c in served["classes"].numpy().tolist()]
            np.save(f"{jobs['out']}/sm-{name}-proba.npy", served["probabilities"].numpy())
            np.save(f"{jobs['out']}/sm-{name}-classes.npy", np.array(classes))

        del sys.modules["tfgraph_dnn"]
        from tfgraph_dnn import DNNClassifier
        for name, path in jobs["saves"].items():
            clf = DNNClassifier.load(path)
            np.save(f"{jobs['out']}/load-{name}-proba.npy", clf.predict_proba(X))
            np.save(f"{jobs['out']}/load-{name}-predict.npy", clf.predict(X))
            np.save(f"{jobs['out']}/load-{name}-classes.npy", clf.classes_)
""")


def start_children(launch):
    """The child process, forked from the fork server that imported TensorFlow (and
    nothing of ours) early; see ``conftest.py``."""
    return {"fresh": launch.forked(CHILD)}


@pytest.fixture(scope="module")
def child(children, data, base, lettered, base_saved, exported, tmp_path_factory):
    """One fresh interpreter: serves the SavedModels, then loads the save() directories."""
    _, X_test, _, _ = data
    work = tmp_path_factory.mktemp("child")
    lettered_dir = str(work / "lettered-save")
    lettered.save(lettered_dir)
    np.save(work / "X.npy", X_test)
    children["fresh"].ask({"X": str(work / "X.npy"), "out": str(work),
                            "saved_models": exported,
                            "saves": {"base": base_saved, "lettered": lettered_dir}})
    return lambda name: np.load(work / f"{name}.npy")


# --------------------------------------------------------------------------- 1. save/load
@pytest.mark.slow
@pytest.mark.parametrize("which", ["base", "lettered"])
def test_save_load_round_trip_in_fresh_process(which, child, data, base, lettered):
    _, X_test, _, _ = data
    clf = {"base": base, "lettered": lettered}[which]
    np.testing.assert_array_equal(child(f"load-{which}-classes"), clf.classes_)
    np.testing.assert_allclose(child(f"load-{which}-proba"), clf.predict_proba(X_test),
                               rtol=0, atol=1e-7)
    np.testing.assert_array_equal(child(f"load-{which}-predict"), clf.predict(X_test))
    if which == "lettered":
        assert set(child("load-lettered-predict")) <= set(LETTERS)


def test_load_in_process_keeps_fitted_state(base, base_saved, data):
    _, X_test, _, _ = data
    loaded = DNNClassifier.load(base_saved)
    params = dict(loaded.get_params(), hidden_layer_sizes=tuple(loaded.hidden_layer_sizes))
    assert params == base.get_params()
    assert loaded.n_epochs_ == base.n_epochs_ and loaded.history_ == base.history_
    assert loaded.n_features_in_ == 64
    np.testing.assert_array_equal(loaded.predict_proba(X_test), base.predict_proba(X_test))
    weights, expected = loaded.get_weights(), base.get_weights()
    assert sorted(weights) == sorted(expected)
    for name in expected:
        np.testing.assert_array_equal(weights[name], expected[name])


def test_load_restores_parameters_with_their_types(base_saved, base):
    """``load`` must give back the parameters as they were (a tuple stays a tuple)."""
    loaded = DNNClassifier.load(base_saved)
    assert loaded.hidden_layer_sizes == base.hidden_layer_sizes == (32, 32)
    assert loaded.get_params() == base.get_params()


# ---------------------------------------------------------------- 2. load errors, crash-safe saves
def test_load_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        DNNClassifier.load(tmp_path / "nothing-here")


def test_load_foreign_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "weights.bin").write_bytes(os.urandom(64))
    with pytest.raises(CheckpointError):
        DNNClassifier.load(tmp_path)


def test_load_truncated_checkpoint(base_saved, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(base_saved, copy)
    data_files = glob.glob(os.path.join(latest_save_dir(str(copy)), "model.ckpt.data-*"))
    assert len(data_files) == 1
    size = os.path.getsize(data_files[0])
    with open(data_files[0], "r+b") as handle:
        handle.truncate(size // 2)
    with pytest.raises(CheckpointError) as info:
        DNNClassifier.load(copy)
    message = str(info.value)
    assert str(copy) in message  # where
    # why: the cause must survive, not only TF's generic first line "Graph execution error:"
    reason = message.replace(str(copy), "<dir>")
    assert re.search(r"truncat|corrupt|incomplete|less bytes|data loss", reason, re.I), message


def test_save_refuses_foreign_non_empty_directory(base, tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.csv").write_text("1,2,3")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(FileExistsError):
        base.save(tmp_path)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(os.listdir(tmp_path)) == ["sub", "thesis.tex"]


def test_save_twice_keeps_only_newest(base, lettered, data, tmp_path):
    _, X_test, _, _ = data
    path = tmp_path / "model"
    first = base.save(path)
    second = lettered.save(path, overwrite=True)
    assert os.path.basename(first) == "save-000001"
    assert os.path.basename(second) == "save-000002"
    assert sorted(n for n in os.listdir(path) if n != ".tfgraph_dnn.lock") == \
        ["latest", "save-000002", "tfgraph_dnn.json"]
    loaded = DNNClassifier.load(path)
    np.testing.assert_array_equal(loaded.classes_, LETTERS)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), lettered.predict_proba(X_test))


def test_crash_mid_save_leaves_previous_model(base, lettered, data, tmp_path, monkeypatch):
    _, X_test, _, _ = data
    path = tmp_path / "model"
    base.save(path)
    calls = []

    def dump_then_crash(obj, handle, *args, **kwargs):
        calls.append(obj)
        json.dump(obj, handle, *args, **kwargs)
        raise OSError("No space left on device (simulated)")

    fake_json = types.SimpleNamespace(dump=dump_then_crash, dumps=json.dumps, load=json.load,
                                      loads=json.loads)
    monkeypatch.setattr(layout_module, "json", fake_json)
    with pytest.raises(OSError, match="simulated"):
        lettered.save(path, overwrite=True)
    monkeypatch.undo()
    assert calls, "the save never reached json.dump: the crash was not simulated"
    # no save-2, no .tmp-*
    assert sorted(n for n in os.listdir(path) if n != ".tfgraph_dnn.lock") == \
        ["latest", "save-000001", "tfgraph_dnn.json"]
    loaded = DNNClassifier.load(path)
    np.testing.assert_array_equal(loaded.classes_, base.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), base.predict_proba(X_test))


# --------------------------------------------------------------------------- 3. warm start from TF1
@pytest.mark.parametrize("form", ["prefix", "tf_directory", "save_directory"])
def test_warm_start_from_tf1_checkpoint(form, tf1_checkpoint, base_saved, data):
    X_train, X_test, y_train, y_test = data
    source = {"prefix": tf1_checkpoint, "tf_directory": os.path.dirname(tf1_checkpoint),
              "save_directory": base_saved}[form]
    clf = DNNClassifier(**{**SMALL, "n_epochs": 2}, n_frozen=2,
                        warm_start_from=WarmStartSettings(source,
                                                          vars_to_warm_start="hidden[12]/"))
    clf.fit(X_train, y_train)
    assert clf.warm_started_vars_ == HIDDEN
    saved = checkpoint_values(source)
    weights = clf.get_weights()
    for name in HIDDEN:
        np.testing.assert_array_equal(weights[name], saved[name], err_msg=name)
    assert weights["logits/kernel"].shape == (32, 10)
    if form == "save_directory":  # trained features: the new output layer alone learns
        assert clf.score(X_test, y_test) > 0.5


def test_warm_start_from_plain_path_takes_every_variable(base_saved, base, data):
    X_train, _, y_train, _ = data
    capture = CaptureWeights()
    clf = DNNClassifier(**{**SMALL, "n_epochs": 1}, warm_start_from=base_saved,
                        callbacks=[capture]).fit(X_train, y_train)
    expected = base.get_weights()
    assert clf.warm_started_vars_ == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(capture.weights[name], value, err_msg=name)


# --------------------------------------------------------------------------- 4. renamed scopes
BN_RENAMES = {
    "hidden1/kernel": "layer_a/kernel",
    "hidden1/bias": "layer_a/bias",
    "hidden1/batch_normalization/gamma": "batch_normalization/gamma",
    "hidden1/batch_normalization/beta": "batch_normalization/beta",
    "hidden1/batch_normalization/moving_mean": "batch_normalization/moving_mean",
    "hidden1/batch_normalization/moving_variance": "batch_normalization/moving_variance",
}


def test_list_checkpoint_variables(renamed_checkpoint, tf1_checkpoint):
    expected = {"batch_normalization/beta": (32,), "batch_normalization/gamma": (32,),
                "batch_normalization/moving_mean": (32,),
                "batch_normalization/moving_variance": (32,),
                "layer_a/bias": (32,), "layer_a/kernel": (64, 32),
                "out/bias": (10,), "out/kernel": (32, 10)}
    assert list_checkpoint_variables(renamed_checkpoint) == expected
    assert list(list_checkpoint_variables(renamed_checkpoint)) == sorted(expected)
    by_dir = list_checkpoint_variables(os.path.dirname(tf1_checkpoint))
    assert by_dir == list_checkpoint_variables(tf1_checkpoint)
    assert by_dir["hidden2/kernel"] == (32, 32) and by_dir["logits/kernel"] == (32, 10)


def test_warm_start_with_renamed_dense_scope(renamed_checkpoint, data):
    X_train, _, y_train, _ = data
    settings = WarmStartSettings(renamed_checkpoint, vars_to_warm_start="hidden1/",
                                 var_name_to_prev_var_name={"hidden1/kernel": "layer_a/kernel",
                                                            "hidden1/bias": "layer_a/bias"})
    clf = DNNClassifier(**{**SMALL, "n_epochs": 1}, n_frozen=1,
                        warm_start_from=settings).fit(X_train, y_train)
    assert clf.warm_started_vars_ == ["hidden1/bias", "hidden1/kernel"]
    saved = checkpoint_values(renamed_checkpoint)
    weights = clf.get_weights()
    np.testing.assert_array_equal(weights["hidden1/kernel"], saved["layer_a/kernel"])
    np.testing.assert_array_equal(weights["hidden1/bias"], saved["layer_a/bias"])


def test_warm_start_maps_tf1_batch_norm_names(renamed_checkpoint, data):
    X_train, _, y_train, _ = data
    capture = CaptureWeights()
    settings = WarmStartSettings(renamed_checkpoint, vars_to_warm_start="hidden1/",
                                 var_name_to_prev_var_name=BN_RENAMES)
    clf = DNNClassifier(**{**SMALL, "n_epochs": 1}, batch_norm_momentum=0.9, n_frozen=1,
                        warm_start_from=settings, callbacks=[capture]).fit(X_train, y_train)
    assert clf.warm_started_vars_ == sorted(BN_RENAMES)
    saved = checkpoint_values(renamed_checkpoint)
    for name, previous in BN_RENAMES.items():  # every value, moving averages included
        np.testing.assert_array_equal(capture.weights[name], saved[previous], err_msg=name)
    weights = clf.get_weights()
    for name in ["hidden1/kernel", "hidden1/bias", "hidden1/batch_normalization/gamma",
                 "hidden1/batch_normalization/beta"]:  # frozen: untouched by training
        np.testing.assert_array_equal(weights[name], saved[BN_RENAMES[name]], err_msg=name)


def test_read_warm_start_values_with_renames(renamed_checkpoint):
    graph = tf.Graph()
    with graph.as_default():
        X = v1.placeholder(tf.float32, shape=(None, 64))
        hidden = layers.dense(X, 32, name="hidden1")
        with v1.variable_scope("hidden1"):
            layers.batch_normalization(hidden, momentum=0.9, name="batch_normalization")
        layers.dense(hidden, 16, name="hidden2")
        variables = v1.global_variables()
    values = read_warm_start_values(
        WarmStartSettings(renamed_checkpoint, "hidden1/", BN_RENAMES), variables)
    saved = checkpoint_values(renamed_checkpoint)
    assert sorted(values) == sorted(BN_RENAMES)
    for name, previous in BN_RENAMES.items():
        np.testing.assert_array_equal(values[name], saved[previous])
    with pytest.raises(CheckpointError, match="hidden9/kernel"):
        read_warm_start_values(WarmStartSettings(renamed_checkpoint, "hidden1/",
                                                 {"hidden9/kernel": "layer_a/kernel"}),
                               variables)


def _tf1_graph_variables(head_name):
    X = v1.placeholder(tf.float32, shape=(None, 64), name="X")
    hidden1 = layers.dense(X, 32, activation=tf.nn.elu, name="hidden1")
    hidden2 = layers.dense(hidden1, 32, activation=tf.nn.elu, name="hidden2")
    layers.dense(hidden2, 10, name=head_name)
    return {v.op.name: v for v in v1.global_variables()}


def test_restore_variables_by_scope(tf1_checkpoint):
    saved = checkpoint_values(tf1_checkpoint)
    graph = tf.Graph()
    with graph.as_default():
        variables = _tf1_graph_variables("new_logits")
        init = v1.global_variables_initializer()
    with v1.Session(graph=graph) as session:
        session.run(init)
        head_before = session.run(variables["new_logits/kernel"])
        restored = restore_variables(session, tf1_checkpoint, scope="hidden[12]")
        assert restored == HIDDEN
        for name in HIDDEN:
            np.testing.assert_array_equal(session.run(variables[name]), saved[name])
        np.testing.assert_array_equal(session.run(variables["new_logits/kernel"]), head_before)


def test_restore_variables_with_assignment_map(renamed_checkpoint):
    saved = checkpoint_values(renamed_checkpoint)
    graph = tf.Graph()
    with graph.as_default():
        X = v1.placeholder(tf.float32, shape=(None, 64), name="X")
        hidden = layers.dense(X, 32, name="hidden1")
        with v1.variable_scope("hidden1"):
            layers.batch_normalization(hidden, momentum=0.9)
        variables = {v.op.name: v for v in v1.global_variables()}
        init = v1.global_variables_initializer()
    mapping = {"layer_a/kernel": "hidden1/kernel", "layer_a/bias": "hidden1/bias",
               "batch_normalization/gamma": "hidden1/batch_normalization/gamma"}
    with v1.Session(graph=graph) as session:
        session.run(init)
        restored = restore_variables(session, os.path.dirname(renamed_checkpoint),
                                     assignment_map=mapping)
        assert restored == sorted(mapping.values())
        for previous, name in mapping.items():
            np.testing.assert_array_equal(session.run(variables[name]), saved[previous])
        np.testing.assert_array_equal(  # not in the map: left alone
            session.run(variables["hidden1/batch_normalization/beta"]), np.zeros(32))


# --------------------------------------------------------------------------- 5. mismatches
def test_shape_mismatch_names_variable_and_shapes(tf1_checkpoint, data):
    X_train, _, y_train, _ = data
    clf = DNNClassifier(**{**SMALL, "hidden_layer_sizes": (32, 16)},
                        warm_start_from=WarmStartSettings(tf1_checkpoint, "hidden[12]/"))
    with pytest.raises(CheckpointError) as info:
        clf.fit(X_train, y_train)
    message = str(info.value)
    assert "hidden2/kernel" in message and "(32, 16)" in message and "(32, 32)" in message
    assert "hidden2/bias" in message and "(16,)" in message and "(32,)" in message
    assert "hidden1/kernel" not in message  # that one matches
    assert_not_fitted(clf, X_train)


def test_missing_warm_start_path(tmp_path, data):
    X_train, _, y_train, _ = data
    clf = DNNClassifier(**SMALL, warm_start_from=str(tmp_path / "no" / "model.ckpt"))
    with pytest.raises(FileNotFoundError):
        clf.fit(X_train, y_train)
    assert_not_fitted(clf, X_train)


# --------------------------------------------------------------------------- 6. freezing
def test_frozen_layers_unchanged_and_have_no_optimizer_slots(tf1_checkpoint, data):
    X_train, _, y_train, _ = data
    capture = CaptureWeights()
    clf = DNNClassifier(**SMALL, n_frozen=1, callbacks=[capture],
                        warm_start_from=WarmStartSettings(tf1_checkpoint, "hidden[12]/"))
    clf.fit(X_train, y_train)
    saved = checkpoint_values(tf1_checkpoint)
    weights = clf.get_weights()
    for name in ["hidden1/kernel", "hidden1/bias"]:
        assert weights[name].tobytes() == saved[name].tobytes()  # bit for bit
    for name in ["hidden2/kernel", "hidden2/bias"]:  # warm-started but trainable
        np.testing.assert_array_equal(capture.weights[name], saved[name])
        assert not np.allclose(weights[name], saved[name]), name
    for name in ["logits/kernel", "logits/bias"]:
        assert not np.allclose(weights[name], capture.weights[name]), name
    names = global_variable_names(clf)
    assert {"hidden2/kernel/Adam", "hidden2/kernel/Adam_1", "logits/kernel/Adam"} <= names
    assert not [n for n in names if n.startswith("hidden1/") and n not in weights], names


# ---------------------------------------------------------------- 7. cached frozen layers
@pytest.fixture(scope="module")
def dropout_pair(tf1_checkpoint, data):
    """Same dropout model with cache_frozen on and off."""
    X_train, _, y_train, _ = data
    kwargs = dict(SMALL, n_frozen=2, dropout_rate=0.3, n_epochs=2,
                  warm_start_from=WarmStartSettings(tf1_checkpoint, "hidden[12]/"))
    return [DNNClassifier(**kwargs, cache_frozen=cache).fit(X_train, y_train)
            for cache in (True, False)]


def test_cached_frozen_layers_equal_uncached(tf1_checkpoint, data):
    X_train, X_test, y_train, y_test = data
    kwargs = dict(SMALL, n_frozen=2,
                  warm_start_from=WarmStartSettings(tf1_checkpoint, "hidden[12]/"))
    cached = DNNClassifier(**kwargs, cache_frozen=True).fit(X_train, y_train, X_test, y_test)
    plain = DNNClassifier(**kwargs, cache_frozen=False).fit(X_train, y_train, X_test, y_test)
    np.testing.assert_allclose(cached.predict_proba(X_test), plain.predict_proba(X_test),
                               rtol=0, atol=1e-6)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        np.testing.assert_allclose([row[key] for row in cached.history_],
                                   [row[key] for row in plain.history_], rtol=0, atol=1e-5,
                                   err_msg=key)
    assert cached.history_[-1]["loss"] < cached.history_[0]["loss"]


def test_cache_frozen_with_dropout_falls_back(dropout_pair, data):
    _, X_test, _, _ = data
    cached, plain = dropout_pair
    np.testing.assert_allclose(cached.predict_proba(X_test), plain.predict_proba(X_test),
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose([row["loss"] for row in cached.history_],
                               [row["loss"] for row in plain.history_], rtol=0, atol=1e-5)


# --------------------------------------------------------------------------- 8. new output layer
def test_replace_output_layer(data, tmp_path):
    X_train, _, y_train, _ = data
    low, high = y_train < 5, y_train >= 5
    source = DNNClassifier(**{**SMALL, "n_epochs": 5, "learning_rate": 0.01})
    source.fit(X_train[low], y_train[low])
    source.save(tmp_path / "digits-0-4")
    capture = CaptureWeights()
    clf = DNNClassifier(**{**SMALL, "n_epochs": 5, "learning_rate": 0.01}, callbacks=[capture],
                        warm_start_from=WarmStartSettings(tmp_path / "digits-0-4",
                                                          vars_to_warm_start="hidden"))
    clf.fit(X_train[high], y_train[high])
    np.testing.assert_array_equal(clf.classes_, [5, 6, 7, 8, 9])
    assert clf.warm_started_vars_ == HIDDEN
    source_weights = source.get_weights()
    for name in HIDDEN:
        np.testing.assert_array_equal(capture.weights[name], source_weights[name])
    assert clf.get_weights()["logits/kernel"].shape == (32, 5)
    assert clf.get_weights()["logits/bias"].shape == (5,)
    assert clf.score(X_train[high], y_train[high]) > 0.8


# --------------------------------------------------------------------------- 9. MC dropout
def test_mc_dropout_samples_differ(dropout_pair, data):
    _, X_test, _, _ = data
    clf = dropout_pair[0]
    mean, std = clf.predict_proba_mc(X_test[:100], n_samples=20, return_std=True)
    assert mean.shape == std.shape == (100, 10)
    assert std.max() > 0
    np.testing.assert_allclose(mean.sum(axis=1), 1.0, rtol=0, atol=1e-5)
    assert not np.allclose(mean, clf.predict_proba(X_test[:100]), atol=1e-6)
    only_mean = clf.predict_proba_mc(X_test[:100], n_samples=3)
    assert isinstance(only_mean, np.ndarray) and only_mean.shape == (100, 10)


def test_mc_without_dropout_is_deterministic(base, data):
    _, X_test, _, _ = data
    mean, std = base.predict_proba_mc(X_test[:100], n_samples=20, return_std=True)
    assert np.all(std == 0), f"max std {std.max()!r} without dropout"
    np.testing.assert_array_equal(mean, base.predict_proba(X_test[:100]))


def test_mc_dropout_keeps_batch_norm_in_inference_mode(data):
    X_train, X_test, y_train, _ = data
    clf = DNNClassifier(**SMALL, batch_norm_momentum=0.9, dropout_rate=0.3)
    clf.fit(X_train, y_train)
    proba = clf.predict_proba(X_test[:200])
    mean = clf.predict_proba_mc(X_test[:200], n_samples=30)
    assert np.abs(mean - proba).mean() < 0.05
    assert np.mean(mean.argmax(axis=1) == proba.argmax(axis=1)) > 0.85
    # One row at a time: batch statistics of a single row would wipe out the input
    # (every row gets the same output, far from predict_proba); the moving averages
    # keep each row's own prediction.
    singles = np.vstack([clf.predict_proba_mc(X_test[i:i + 1], n_samples=30)
                         for i in range(20)])
    assert np.abs(singles - proba[:20]).mean() < 0.04
    assert singles.std(axis=0).max() > 0.05  # rows differ from one another


@pytest.mark.parametrize("n_samples", [0, -1, 2.5, True])
def test_mc_bad_n_samples(base, data, n_samples):
    _, X_test, _, _ = data
    with pytest.raises(ValueError, match="n_samples"):
        base.predict_proba_mc(X_test[:5], n_samples=n_samples)


# --------------------------------------------------------------------------- 10. SavedModel
@pytest.mark.slow
@pytest.mark.parametrize("which", ["base", "lettered"])
def test_saved_model_served_by_plain_tf2(which, child, data, base, lettered):
    _, X_test, _, _ = data
    clf = {"base": base, "lettered": lettered}[which]
    np.testing.assert_allclose(child(f"sm-{which}-proba"), clf.predict_proba(X_test),
                               rtol=0, atol=1e-6)
    np.testing.assert_array_equal(child(f"sm-{which}-classes"), clf.predict(X_test))


def test_export_refuses_existing_path(base, exported, tmp_path):
    listing = sorted(os.listdir(exported["base"]))
    with pytest.raises(FileExistsError):
        base.export_saved_model(exported["base"])
    assert sorted(os.listdir(exported["base"])) == listing
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileExistsError):
        base.export_saved_model(tmp_path / "empty")
    assert os.listdir(tmp_path / "empty") == []


# --------------------------------------------------------------------------- 11. pickling
def test_pickle_and_joblib_fitted(base, data, tmp_path):
    _, X_test, _, _ = data
    expected = base.predict_proba(X_test)
    from_pickle = pickle.loads(pickle.dumps(base))
    np.testing.assert_array_equal(from_pickle.predict_proba(X_test), expected)
    joblib.dump(base, tmp_path / "model.joblib")
    from_joblib = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(from_joblib.predict_proba(X_test), expected)
    assert from_joblib.history_ == base.history_
    np.testing.assert_array_equal(base.predict_proba(X_test), expected)  # original intact


def test_clone_and_unfitted_pickle(base, data):
    X_train, X_test, y_train, _ = data
    fresh = clone(base)
    assert fresh.get_params() == base.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(fresh)
    fresh = pickle.loads(pickle.dumps(fresh))
    with pytest.raises(NotFittedError):
        fresh.predict(X_test)
    fresh.fit(X_train, y_train)  # same random_state: the same model as base
    np.testing.assert_allclose(fresh.predict_proba(X_test), base.predict_proba(X_test),
                               rtol=0, atol=1e-6)


def test_warm_start_continues_after_unpickling(base, data):
    X_train, _, y_train, _ = data
    restored = pickle.loads(pickle.dumps(base))
    restored.set_params(warm_start=True, n_epochs=2)
    restored.fit(X_train, y_train)
    assert restored.n_epochs_ == base.n_epochs_ + 2
    assert restored.history_[:base.n_epochs_] == base.history_
    assert restored.history_[-1]["loss"] < base.history_[-1]["loss"]


# --------------------------------------------------------------------------- 12. meta graph reuse
def test_import_meta_graph_returns_marked_ops(data, tmp_path):
    X_train, X_test, y_train, y_test = data
    prefix = str(tmp_path / "tf1-meta" / "model.ckpt")
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(0)
        X = v1.placeholder(tf.float32, shape=(None, 64), name="X")
        y = v1.placeholder(tf.int32, shape=(None,), name="y")
        with v1.name_scope("dnn"):
            hidden = layers.dense(X, 32, activation=tf.nn.relu, name="hidden1")
            logits = layers.dense(hidden, 10, name="logits")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                              logits=logits))
        correct = tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), y)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
        train_op = v1.train.GradientDescentOptimizer(0.5).minimize(loss)
        mark_important_ops(X, y, accuracy, train_op)
        saver = v1.train.Saver()
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            for _ in range(30):
                session.run(train_op, {X: X_train, y: y_train})
            before = session.run(accuracy, {X: X_test, y: y_test})
            saver.save(session, prefix)
        names = [X.name, y.name, accuracy.name, train_op.name]
    assert os.path.exists(prefix + ".meta")
    assert before > 0.5

    graph = tf.Graph()
    with graph.as_default():
        new_saver, ops = import_meta_graph(prefix + ".meta")
        assert [op.name for op in ops] == names
        assert isinstance(ops[3], tf.Operation) and all(isinstance(t, tf.Tensor) for t in ops[:3])
        X2, y2, accuracy2, _ = ops
        with v1.Session() as session:
            new_saver.restore(session, prefix)
            after = session.run(accuracy2, {X2: X_test, y2: y_test})
    assert after == before
    with pytest.raises(FileNotFoundError):
        import_meta_graph(tmp_path / "missing.meta")
