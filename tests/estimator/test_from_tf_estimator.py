"""``DNNClassifier.from_estimator_dir`` / ``DNNRegressor.from_estimator_dir``: a canned
``tf.estimator`` DNN model directory as a fitted scikit-learn estimator.

References: model directories written by TF 2.15's ``tf.compat.v1.estimator`` (made by
``tests/fixtures_scripts/bridge_reference.py`` and ``tests/estimator_tf1/make_canned_reference.py``)
with the predictions TF made, and directories written in the test by our own
``tfgraph_dnn.estimator_tf1`` canned estimators.  Small checkpoints written here with
``SaveV2`` exercise the refusals and the property tests.
"""
import json
import os
import pickle
import shutil

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import event, given, settings, strategies as st

from tfgraph_dnn import DNNClassifier, DNNRegressor, _tf
from tfgraph_dnn.storage import CheckpointError

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "reference_tf215")
CANNED = os.path.join(HERE, "..", "estimator_tf1", "reference_canned")
CUSTOM = os.path.join(HERE, "..", "estimator_tf1", "reference", "model_dir")


def _record(directory, name):
    with open(os.path.join(directory, name + ".json")) as f:
        return json.load(f)


def _write_checkpoint(directory, tensors, step=1):
    """A TF checkpoint of ``{name: array}`` with its ``checkpoint`` state file."""
    os.makedirs(directory, exist_ok=True)
    prefix = os.path.join(str(directory), f"model.ckpt-{step}")
    names = sorted(tensors)
    with _tf.eager_mode():
        tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                          tensors=[tf.constant(tensors[n]) for n in names])
    with open(os.path.join(str(directory), "checkpoint"), "w") as f:
        f.write(f'model_checkpoint_path: "model.ckpt-{step}"\n')
    return prefix


def _dnn_tensors(n_inputs, sizes, n_logits, seed=0):
    """A canned DNN's variables (with Adagrad slots and a global step)."""
    rng = np.random.RandomState(seed)
    tensors, width = {"global_step": np.int64(7)}, n_inputs
    scopes = [f"dnn/hiddenlayer_{i}" for i in range(len(sizes))] + ["dnn/logits"]
    for scope, units in zip(scopes, list(sizes) + [n_logits]):
        tensors[f"{scope}/kernel"] = rng.randn(width, units).astype(np.float32)
        tensors[f"{scope}/bias"] = rng.randn(units).astype(np.float32) * 0.1
        tensors[f"{scope}/kernel/t_0/Adagrad"] = np.full((width, units), 0.1, np.float32)
        width = units
    return tensors


def _forward(tensors, n_hidden, X, activation=lambda z: np.maximum(z, 0)):
    """TF's canned DNN in NumPy: dense + activation, then the logits."""
    h = X.astype(np.float64)
    for i in range(n_hidden):
        h = activation(h @ tensors[f"dnn/hiddenlayer_{i}/kernel"]
                       + tensors[f"dnn/hiddenlayer_{i}/bias"])
    return h @ tensors["dnn/logits/kernel"] + tensors["dnn/logits/bias"]


# ------------------------------------------------------------------ TF 2.15's directories
def test_binary_head_maps_exactly_with_an_unsorted_label_vocabulary():
    record = _record(REFERENCE, "binary_classifier")
    X = np.array(record["input_rows"], np.float32)
    clf = DNNClassifier.from_estimator_dir(os.path.join(REFERENCE, "binary_classifier"),
                                           classes=["spam", "ham"])
    assert record["variables"]["dnn/logits/kernel"] == [3, 1]  # TF's one logit
    assert list(clf.classes_) == ["ham", "spam"]
    assert clf.hidden_layer_sizes == (5, 3) and clf.n_features_in_ == 3
    tf_proba = np.array(record["predict"]["probabilities"])  # vocabulary order: spam, ham
    np.testing.assert_allclose(clf.predict_proba(X), tf_proba[:, ::-1], atol=1e-6)
    tf_labels = np.array(["spam", "ham"])[np.ravel(record["predict"]["class_ids"])]
    assert (clf.predict(X) == tf_labels).all()
    assert clf.n_epochs_ == 0 and clf.history_ == []


def test_binary_head_without_classes_keeps_tf_class_ids():
    record = _record(REFERENCE, "binary_classifier")
    X = np.array(record["input_rows"], np.float32)
    clf = DNNClassifier.from_estimator_dir(os.path.join(REFERENCE, "binary_classifier"))
    assert list(clf.classes_) == [0, 1]
    np.testing.assert_allclose(clf.predict_proba(X), record["predict"]["probabilities"],
                               atol=1e-6)
    assert (clf.predict(X) == np.ravel(record["predict"]["class_ids"])).all()


def test_regressor_with_two_targets_and_elu():
    record = _record(REFERENCE, "regressor")
    X = np.array(record["input_rows"], np.float32)
    directory = os.path.join(REFERENCE, "regressor")
    reg = DNNRegressor.from_estimator_dir(directory, activation="elu")
    assert reg.n_outputs_ == 2 and reg.hidden_layer_sizes == (4,)
    np.testing.assert_allclose(reg.predict(X), record["predict"]["predictions"], atol=1e-5)
    # The activation is not in the checkpoint: relu (TF's default) predicts otherwise.
    relu = DNNRegressor.from_estimator_dir(directory)
    assert np.abs(relu.predict(X) - reg.predict(X)).max() > 1e-3


def test_three_classes_with_an_indicator_column_from_a_checkpoint_prefix():
    record = _record(CANNED, "dnn_classifier")
    features = record["data"]["features"]
    colors = record["data"]["colors"]
    # The input layer: columns sorted by name, color_indicator (one-hot) then x1, x2.
    X = np.column_stack([np.eye(3)[[colors.index(c) for c in features["color"]]],
                         features["x1"], features["x2"]]).astype(np.float32)
    prefix = os.path.join(CANNED, "dnn_classifier", "model.ckpt-20")
    clf = DNNClassifier.from_estimator_dir(prefix)
    assert clf.n_features_in_ == 5 and len(clf.classes_) == 3
    np.testing.assert_allclose(clf.predict_proba(X), record["predict"]["probabilities"],
                               atol=1e-6)
    assert (clf.predict(X) == np.ravel(record["predict"]["class_ids"])).all()


# ------------------------------------------------------------------ our estimator_tf1
def test_our_estimator_tf1_regressor_round_trips(tmp_path):
    from tfgraph_dnn.estimator_tf1 import canned
    from tfgraph_dnn.estimator_tf1.inputs import numpy_input_fn
    from tfgraph_dnn.estimator_tf1.run_config import RunConfig

    fc = tf.compat.v1.feature_column
    rng = np.random.RandomState(1)
    x = rng.randn(32, 2).astype(np.float32)
    z = rng.randn(32).astype(np.float32)
    y = (x[:, 0] - 2 * z + 0.5).astype(np.float32)
    features = {"x": x, "z": z}
    model = canned.DNNRegressor([6, 4], [fc.numeric_column("z"),
                                         fc.numeric_column("x", shape=(2,))],
                                model_dir=str(tmp_path / "tf1"),
                                config=RunConfig(tf_random_seed=5, save_summary_steps=1000))
    model.train(numpy_input_fn(features, y, batch_size=8, num_epochs=None, shuffle=False),
                steps=10)
    expected = np.ravel([row["predictions"] for row in model.predict(
        numpy_input_fn(features, batch_size=32, num_epochs=1, shuffle=False))])
    reg = DNNRegressor.from_estimator_dir(tmp_path / "tf1")
    X = np.column_stack([x, z])  # sorted column names: x (2 columns), z
    assert reg.n_features_in_ == 3 and reg.n_outputs_ == 1
    np.testing.assert_allclose(reg.predict(X), expected, atol=1e-5)


def test_tf2_estimator_optimizer_state_is_ignored(tmp_path):
    """TF 2.15's ``tf.estimator.DNNClassifier`` (v2) keeps Keras optimizer state under
    ``training/`` (names as listed by its ``get_variable_names()``)."""
    tensors = _dnn_tensors(3, (4,), 3)
    tensors = {n: v for n, v in tensors.items() if "Adagrad" not in n}
    tensors.update({"training/Adagrad/decay": np.float32(0),
                    "training/Adagrad/learning_rate": np.float32(0.05),
                    "training/Adagrad/dnn/logits/kernel/accumulator":
                        np.ones((4, 3), np.float32)})
    _write_checkpoint(tmp_path, tensors)
    X = np.random.RandomState(2).randn(5, 3).astype(np.float32)
    logits = _forward(tensors, 1, X)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(DNNClassifier.from_estimator_dir(tmp_path).predict_proba(X),
                               e / e.sum(axis=1, keepdims=True), atol=1e-6)


def test_variables_saved_in_slices_load_whole(tmp_path):
    """TF1 with parameter servers saved a partitioned kernel as slices of its full name."""
    tensors = _dnn_tensors(4, (3,), 2)
    kernel = tensors.pop("dnn/hiddenlayer_0/kernel")
    names = sorted(tensors)
    prefix = os.path.join(str(tmp_path), "model.ckpt-3")
    with _tf.eager_mode():
        tf.raw_ops.SaveV2(
            prefix=prefix, tensor_names=names + ["dnn/hiddenlayer_0/kernel"] * 2,
            shape_and_slices=[""] * len(names) + ["4 3 0,1:-", "4 3 1,3:-"],
            tensors=[tf.constant(tensors[n]) for n in names]
            + [tf.constant(kernel[:1]), tf.constant(kernel[1:])])
    tensors["dnn/hiddenlayer_0/kernel"] = kernel
    X = np.random.RandomState(3).randn(6, 4).astype(np.float32)
    reg = DNNRegressor.from_estimator_dir(prefix)
    np.testing.assert_allclose(reg.predict(X), _forward(tensors, 1, X), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ a fitted estimator
def test_warm_start_fit_continues_from_the_tf_weights():
    record = _record(CANNED, "dnn_classifier")
    directory = os.path.join(CANNED, "dnn_classifier")
    labels = np.array(record["data"]["labels"]["class3"])
    X = np.random.RandomState(0).rand(len(labels), 5).astype(np.float32)
    clf = DNNClassifier.from_estimator_dir(directory, warm_start=True, optimizer="gd",
                                           learning_rate=1e-3, n_epochs=1, batch_size=8,
                                           random_state=0)
    before = clf.get_weights()
    clf.fit(X, labels)
    after = clf.get_weights()
    assert clf.n_epochs_ == 1 and len(clf.history_) == 1
    moved = max(np.abs(after[n] - before[n]).max() for n in before)
    assert 0 < moved < 0.05  # trained on, a little, from TF's weights
    fresh = DNNClassifier(hidden_layer_sizes=(4, 3), activation="relu", optimizer="gd",
                          learning_rate=1e-3, n_epochs=1, batch_size=8,
                          random_state=0).fit(X, labels)
    assert np.abs(fresh.get_weights()["hidden1/kernel"] - before["hidden1/kernel"]).max() > 0.05


def test_first_warm_start_fit_builds_its_schedule_for_its_own_rows():
    """The bridged model never trained: its first fit's learning-rate schedule counts
    that fit's steps per epoch (not the one step per epoch of the bridge's plan)."""
    directory = os.path.join(CANNED, "dnn_classifier")
    X = np.random.RandomState(1).rand(40, 5).astype(np.float32)
    y = np.arange(40) % 3
    clf = DNNClassifier.from_estimator_dir(directory, warm_start=True, batch_size=8,
                                           n_epochs=1, lr_schedule="exponential")
    assert clf.__dict__["_model"].plan.training.steps_per_epoch == 1
    clf.fit(X, y)
    assert clf.__dict__["_model"].plan.training.steps_per_epoch == 5
    clf.fit(X[:16], y[:16])  # later fits go on with the schedule of the first
    assert clf.__dict__["_model"].plan.training.steps_per_epoch == 5


def test_save_load_pickle_and_export_keep_the_predictions(tmp_path):
    record = _record(REFERENCE, "binary_classifier")
    X = np.array(record["input_rows"], np.float32)
    clf = DNNClassifier.from_estimator_dir(os.path.join(REFERENCE, "binary_classifier"),
                                           classes=["spam", "ham"])
    proba = clf.predict_proba(X)
    clf.save(tmp_path / "saved")
    loaded = DNNClassifier.load(tmp_path / "saved")
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    assert list(loaded.classes_) == ["ham", "spam"]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba)
    path = clf.export_saved_model(str(tmp_path / "export"))
    with _tf.eager_mode():
        served = tf.saved_model.load(path)(tf.constant(X))
        np.testing.assert_allclose(served["probabilities"].numpy(), proba, atol=1e-6)


# ------------------------------------------------------------------ refusals
@pytest.mark.parametrize("directory, words", [
    (os.path.join(CANNED, "linear_regressor"), "linear model"),
    (os.path.join(CANNED, "dnn_linear_combined_classifier"), "linear model"),
    (CUSTOM, "not a canned DNNClassifier"),
])
def test_other_models_are_refused(directory, words):
    with pytest.raises(CheckpointError, match=words):
        DNNClassifier.from_estimator_dir(directory)


@pytest.mark.parametrize("extra, words", [
    ({"dnn/hiddenlayer_0/batchnorm_0/gamma": np.ones(4, np.float32)}, "batch norm"),
    ({"dnn/input_from_feature_columns/input_layer/c_embedding/embedding_weights":
      np.ones((3, 2), np.float32)}, "embedding"),
    ({"dnn/hiddenlayer_0/kernel/part_0/Adagrad": np.ones((3, 4), np.float32)},
     "partitioned"),
    ({"dnn/hiddenlayer_3/kernel": np.ones((2, 2), np.float32),
      "dnn/hiddenlayer_3/bias": np.ones(2, np.float32)}, r"not numbered 0\.\.N-1"),
    ({"dnn/hiddenlayer_1/kernel": np.ones((5, 2), np.float32)}, "takes 5 inputs"),
    ({"dnn/logits/bias": np.ones(3, np.float32)}, "not a dense layer"),
    ({"dnn/logits/bias": np.array([1, 2], np.int32)}, "not a finite float"),
    ({"dnn/logits/bias": np.array([1, np.nan], np.float32)}, "not a finite float"),
    ({"conv1/weights": np.ones(3, np.float32)}, r"conv1/weights"),
])
def test_unmappable_checkpoints_name_the_variable(tmp_path, extra, words):
    tensors = _dnn_tensors(3, (4, 2), 2)
    tensors.update(extra)
    _write_checkpoint(tmp_path, tensors)
    with pytest.raises(CheckpointError, match=words):
        DNNClassifier.from_estimator_dir(tmp_path)


def test_missing_directory_and_bad_parameters(tmp_path):
    with pytest.raises(FileNotFoundError):
        DNNRegressor.from_estimator_dir(tmp_path / "nowhere")
    with pytest.raises(CheckpointError, match="no TensorFlow checkpoint"):
        DNNRegressor.from_estimator_dir(tmp_path)
    directory = os.path.join(REFERENCE, "binary_classifier")
    with pytest.raises(TypeError, match="hidden_layer_sizes"):
        DNNClassifier.from_estimator_dir(directory, hidden_layer_sizes=(5, 3))
    with pytest.raises(ValueError, match="feature_scaling"):
        DNNClassifier.from_estimator_dir(directory, feature_scaling="standard")
    with pytest.raises(ValueError, match="batch_norm_momentum"):
        DNNClassifier.from_estimator_dir(directory, batch_norm_momentum=0.9)
    with pytest.raises(ValueError, match="the 2 labels"):
        DNNClassifier.from_estimator_dir(directory, classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="repeated"):
        DNNClassifier.from_estimator_dir(directory, classes=["a", "a"])
    with pytest.raises(ValueError, match="learning_rate"):
        DNNClassifier.from_estimator_dir(directory, learning_rate=-1.0)


# ------------------------------------------------------------------ properties
@settings(max_examples=8)
@given(n_inputs=st.integers(1, 6), sizes=st.lists(st.integers(1, 5), max_size=3),
       n_logits=st.integers(1, 4), seed=st.integers(0, 1000))
def test_property_any_canned_shape_predicts_as_tf(tmp_path_factory, n_inputs, sizes,
                                                  n_logits, seed):
    tensors = _dnn_tensors(n_inputs, sizes, n_logits, seed)
    directory = tmp_path_factory.mktemp("ckpt")
    _write_checkpoint(directory, tensors)
    X = np.random.RandomState(seed).randn(7, n_inputs).astype(np.float32)
    logits = _forward(tensors, len(sizes), X)
    reg = DNNRegressor.from_estimator_dir(directory)
    assert reg.hidden_layer_sizes == tuple(sizes) and reg.n_features_in_ == n_inputs
    np.testing.assert_allclose(reg.predict(X).reshape(7, -1), logits, rtol=1e-4, atol=1e-4)
    clf = DNNClassifier.from_estimator_dir(directory)
    if n_logits == 1:  # TF's binary head: sigmoid of the one logit
        p1 = 1 / (1 + np.exp(-logits[:, 0]))
        expected = np.column_stack([1 - p1, p1])
    else:
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        expected = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-5)


@settings(max_examples=25)
@given(data=st.data())
def test_property_damaged_directories_refuse_or_predict_the_same(tmp_path_factory, data):
    """Random bytes, truncation or a flipped byte in any file of a reference directory:
    a FileNotFoundError/CheckpointError, or (bytes nobody reads) the same predictions."""
    record = _record(REFERENCE, "binary_classifier")
    X = np.array(record["input_rows"], np.float32)
    directory = tmp_path_factory.mktemp("damaged") / "model"
    shutil.copytree(os.path.join(REFERENCE, "binary_classifier"), directory)
    name = data.draw(st.sampled_from(sorted(os.listdir(directory))))
    path = directory / name
    content = path.read_bytes()
    damage = data.draw(st.sampled_from(["garbage", "truncate", "flip", "remove"]))
    if damage == "garbage":
        path.write_bytes(data.draw(st.binary(max_size=200)))
    elif damage == "truncate":
        path.write_bytes(content[:data.draw(st.integers(0, max(len(content) - 1, 0)))])
    elif damage == "flip":
        at = data.draw(st.integers(0, len(content) - 1))
        bit = data.draw(st.integers(0, 7))
        path.write_bytes(content[:at] + bytes([content[at] ^ (1 << bit)]) + content[at + 1:])
    else:
        path.unlink()
    try:
        clf = DNNClassifier.from_estimator_dir(directory)
    except (FileNotFoundError, CheckpointError):
        event(f"refused: {damage}")
        return
    event(f"loaded: {damage}")
    np.testing.assert_allclose(clf.predict_proba(X), record["predict"]["probabilities"],
                               atol=1e-6)


@settings(max_examples=40)
@given(classes=st.one_of(
    st.lists(st.integers(-3, 3), min_size=2, max_size=2, unique=True),
    st.lists(st.text(max_size=2), min_size=2, max_size=2, unique=True),
    st.lists(st.one_of(st.integers(-3, 3), st.text(max_size=2)), max_size=4),
    st.text(max_size=3), st.none()))
def test_property_classes_are_refused_or_map_each_probability(classes):
    """Any ``classes``: a ValueError/TypeError, or ``classes_`` is the labels sorted and
    each column holds TF's probability of that label (TF's order: as given)."""
    record = _record(REFERENCE, "binary_classifier")
    X = np.array(record["input_rows"], np.float32)
    tf_proba = np.array(record["predict"]["probabilities"])
    try:
        clf = DNNClassifier.from_estimator_dir(os.path.join(REFERENCE, "binary_classifier"),
                                               classes=classes)
    except (ValueError, TypeError):
        assert classes is not None
        return
    event("mapped" if classes is not None else "default")
    given = [0, 1] if classes is None else [str(c) for c in classes]
    assert len(clf.classes_) == 2
    assert sorted(str(c) for c in clf.classes_) == sorted(str(c) for c in given)
    proba = clf.predict_proba(X)
    for j, label in enumerate(clf.classes_):
        np.testing.assert_allclose(proba[:, j], tf_proba[:, [str(g) for g in given]
                                                         .index(str(label))], atol=1e-6)
    tf_ids = np.ravel(record["predict"]["class_ids"])
    assert [str(p) for p in clf.predict(X)] == [str(given[i]) for i in tf_ids]
