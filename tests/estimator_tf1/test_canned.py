"""The canned estimators' behaviour: learning, heads, label vocabularies, weights, optimizers,
variable names, bad arguments, and ``export_saved_model`` loaded back by plain TF2."""
import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn.estimator_tf1 import canned
from tfgraph_dnn.estimator_tf1.inputs import numpy_input_fn

v1 = tf.compat.v1
fc = v1.feature_column


def _separable(n=64, seed=0):
    """Two numeric features; class 1 exactly when x1 + x2 > 0."""
    rng = np.random.RandomState(seed)
    x1 = rng.uniform(-1, 1, n).astype(np.float32)
    x2 = rng.uniform(-1, 1, n).astype(np.float32)
    return {"x1": x1, "x2": x2}, (x1 + x2 > 0).astype(np.int64)


def _numeric():
    return [fc.numeric_column("x1"), fc.numeric_column("x2")]


def _fns(features, labels, batch_size=16):
    train = numpy_input_fn(dict(features), labels, batch_size=batch_size, num_epochs=None,
                           shuffle=True)
    evaluate = numpy_input_fn(dict(features), labels, batch_size=len(labels), num_epochs=1,
                              shuffle=False)
    predict = numpy_input_fn(dict(features), batch_size=len(labels), num_epochs=1,
                             shuffle=False)
    return train, evaluate, predict


def _config():
    from tfgraph_dnn.estimator_tf1.run_config import RunConfig

    return RunConfig(tf_random_seed=3, save_summary_steps=1000)


def _rows(estimator, input_fn):
    rows = list(estimator.predict(input_fn))
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def test_dnn_classifier_learns_a_separable_problem(tmp_path):
    features, labels = _separable()
    train, evaluate, _ = _fns(features, labels)
    model = canned.DNNClassifier([8], _numeric(), model_dir=str(tmp_path), config=_config(),
                                 optimizer="Adam")
    model.train(train, steps=1)
    before = model.evaluate(evaluate)
    model.train(train, steps=150)
    after = model.evaluate(evaluate)
    assert after["loss"] < 0.5 * before["loss"]
    assert after["accuracy"] >= 0.9
    assert after["global_step"] == 151


def test_binary_head_predictions_and_metrics(tmp_path):
    features, labels = _separable(32)
    train, evaluate, predict = _fns(features, labels)
    model = canned.LinearClassifier(_numeric(), model_dir=str(tmp_path), config=_config())
    model.train(train, steps=20)
    rows = _rows(model, predict)
    assert sorted(rows) == ["all_class_ids", "all_classes", "class_ids", "classes",
                            "logistic", "logits", "probabilities"]
    assert rows["logits"].shape == (32, 1) and rows["probabilities"].shape == (32, 2)
    np.testing.assert_allclose(rows["logistic"][:, 0], 1 / (1 + np.exp(-rows["logits"][:, 0])),
                               rtol=1e-5)
    np.testing.assert_allclose(rows["probabilities"][:, 1], rows["logistic"][:, 0], rtol=1e-5)
    np.testing.assert_array_equal(rows["class_ids"][:, 0], (rows["logits"][:, 0] > 0))
    assert rows["classes"][:, 0].tolist() == [str(i).encode() for i in rows["class_ids"][:, 0]]
    assert rows["all_classes"][0].tolist() == [b"0", b"1"]
    metrics = model.evaluate(evaluate)
    assert sorted(metrics) == ["accuracy", "accuracy_baseline", "auc", "auc_precision_recall",
                               "average_loss", "global_step", "label/mean", "loss",
                               "precision", "prediction/mean", "recall"]
    assert metrics["label/mean"] == pytest.approx(labels.mean())
    assert metrics["accuracy_baseline"] == pytest.approx(max(labels.mean(), 1 - labels.mean()))
    assert metrics["prediction/mean"] == pytest.approx(rows["logistic"].mean(), rel=1e-5)
    assert metrics["accuracy"] == pytest.approx((rows["class_ids"][:, 0] == labels).mean())
    # v1 heads reduce by SUM: one evaluation batch, so loss = average_loss * batch size.
    assert metrics["loss"] == pytest.approx(metrics["average_loss"] * len(labels), rel=1e-5)


def test_label_vocabulary_maps_string_labels(tmp_path):
    features, ids = _separable(48)
    features["x3"] = (features["x1"] - features["x2"]).astype(np.float32)
    ids = ids + (features["x3"] > 0.5)
    vocabulary = ["low", "mid", "high"]
    labels = np.array([vocabulary[i] for i in ids])
    train, evaluate, predict = _fns(features, labels)
    columns = _numeric() + [fc.numeric_column("x3")]
    model = canned.DNNClassifier([6], columns, n_classes=3, label_vocabulary=vocabulary,
                                 model_dir=str(tmp_path), config=_config())
    model.train(train, steps=30)
    rows = _rows(model, predict)
    assert rows["all_classes"][0].tolist() == [b"low", b"mid", b"high"]
    assert [vocabulary[i] for i in rows["class_ids"][:, 0]] == \
        [c.decode() for c in rows["classes"][:, 0]]
    metrics = model.evaluate(evaluate)
    assert metrics["accuracy"] == pytest.approx(
        (rows["class_ids"][:, 0] == ids).mean())
    unknown = numpy_input_fn(dict(features), np.array(["nope"] * 48), batch_size=48,
                             num_epochs=1, shuffle=False)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Labels must >= 0"):
        model.evaluate(unknown)


def test_weight_column_weights_loss_and_metrics(tmp_path):
    rng = np.random.RandomState(1)
    x1 = rng.uniform(-1, 1, 20).astype(np.float32)
    features = {"x1": x1, "w": np.array([1.0, 0.0, 2.0, 0.5] * 5, np.float32)}
    labels = (3 * x1 + 1).astype(np.float32)
    train, evaluate, predict = _fns(features, labels, batch_size=20)
    model = canned.LinearRegressor([fc.numeric_column("x1")], weight_column="w",
                                   model_dir=str(tmp_path), config=_config())
    model.train(train, steps=5)
    predicted = _rows(model, predict)["predictions"][:, 0]
    metrics = model.evaluate(evaluate)
    w = features["w"]
    squared = (labels - predicted) ** 2
    assert metrics["loss"] == pytest.approx((w * squared).sum(), rel=1e-4)
    assert metrics["average_loss"] == pytest.approx((w * squared).sum() / w.sum(), rel=1e-4)
    assert metrics["label/mean"] == pytest.approx((w * labels).sum() / w.sum(), rel=1e-5)


def test_dnn_regressor_variable_names_with_embedding_and_batch_norm(tmp_path):
    features = {"x1": np.linspace(-1, 1, 12).astype(np.float32),
                "color": np.array(["red", "green", "blue"] * 4)}
    labels = np.linspace(0, 1, 12).astype(np.float32)
    color = fc.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"])
    columns = [fc.numeric_column("x1"), fc.embedding_column(color, dimension=2)]
    train, _, _ = _fns(features, labels, batch_size=12)
    model = canned.DNNRegressor([3], columns, batch_norm=True, optimizer="SGD",
                                model_dir=str(tmp_path), config=_config())
    model.train(train, steps=2)
    names = model.get_variable_names()
    assert "dnn/input_from_feature_columns/input_layer/color_embedding/embedding_weights" \
        in names
    for suffix in ("kernel", "bias", "batchnorm_0/gamma", "batchnorm_0/beta",
                   "batchnorm_0/moving_mean", "batchnorm_0/moving_variance"):
        assert f"dnn/hiddenlayer_0/{suffix}" in names
    assert model.get_variable_value("dnn/logits/kernel").shape == (3, 1)
    assert not any("Adagrad" in n for n in names)  # SGD has no slots


def test_baseline_regressor_learns_the_label_mean(tmp_path):
    features = {"x": np.zeros(10, np.float32)}
    labels = np.arange(10, dtype=np.float32)
    train, _, predict = _fns(features, labels, batch_size=10)
    model = canned.BaselineRegressor(model_dir=str(tmp_path), config=_config(),
                                     optimizer=lambda: v1.train.GradientDescentOptimizer(0.02))
    model.train(train, steps=100)
    assert sorted(model.get_variable_names()) == ["baseline/bias", "global_step"]
    predicted = _rows(model, predict)["predictions"]
    np.testing.assert_allclose(predicted, 4.5, atol=1e-3)


@pytest.mark.parametrize("optimizer", ["Adagrad", "Adam", "Ftrl", "RMSProp", "SGD"])
def test_optimizer_names_give_tf1_slots(tmp_path, optimizer):
    features, labels = _separable(16)
    train, _, _ = _fns(features, labels)
    model = canned.DNNClassifier([2], _numeric(), optimizer=optimizer,
                                 model_dir=str(tmp_path), config=_config())
    model.train(train, steps=1)
    slots = {n.split("/")[-1] for n in model.get_variable_names()
             if n.startswith("dnn/logits/kernel/")}
    assert slots == {"Adagrad": {"Adagrad"}, "Adam": {"Adam", "Adam_1"},
                     "Ftrl": {"Ftrl", "Ftrl_1"}, "RMSProp": {"RMSProp", "RMSProp_1"},
                     "SGD": set()}[optimizer]


def test_bad_arguments_say_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="n_classes must be > 2"):
        canned.DNNClassifier([2], _numeric(), n_classes=1)
    with pytest.raises(ValueError, match="hidden_units"):
        canned.DNNClassifier(None, _numeric())
    with pytest.raises(ValueError, match="Invalid loss_reduction"):
        canned.LinearRegressor(_numeric(), loss_reduction="none")
    with pytest.raises(ValueError, match="linear_feature_columns or dnn_feature_columns"):
        canned.DNNLinearCombinedClassifier()
    with pytest.raises(ValueError, match="label_vocabulary"):
        canned.LinearClassifier(_numeric(), n_classes=3, label_vocabulary=["a", "b"])
    features, labels = _separable(8)
    train, _, _ = _fns(features, labels)
    model = canned.DNNClassifier([2], _numeric(), optimizer="Adadelta",
                                 model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="Unsupported optimizer name: Adadelta"):
        model.train(train, steps=1)


def _example(x1, x2):
    feature = {"x1": tf.train.Feature(float_list=tf.train.FloatList(value=[x1])),
               "x2": tf.train.Feature(float_list=tf.train.FloatList(value=[x2]))}
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def test_export_saved_model_loads_in_plain_tf2(tmp_path):
    from tfgraph_dnn.estimator_tf1.export import build_parsing_serving_input_receiver_fn

    features, labels = _separable(32)
    train, _, predict = _fns(features, labels)
    columns = _numeric()
    model = canned.DNNClassifier([4], columns, model_dir=str(tmp_path / "model"),
                                 config=_config())
    model.train(train, steps=10)
    expected = _rows(model, predict)
    receiver = build_parsing_serving_input_receiver_fn(fc.make_parse_example_spec(columns))
    export_dir = model.export_saved_model(str(tmp_path / "export"), receiver)
    loaded = tf.saved_model.load(export_dir.decode() if isinstance(export_dir, bytes)
                                 else export_dir)
    assert {"serving_default", "classification", "predict", "regression"} <= \
        set(loaded.signatures)
    examples = tf.constant([_example(float(a), float(b))
                            for a, b in zip(features["x1"], features["x2"])])
    classified = loaded.signatures["classification"](inputs=examples)
    np.testing.assert_allclose(classified["scores"].numpy(), expected["probabilities"],
                               rtol=1e-5)
    assert classified["classes"].numpy()[0].tolist() == [b"0", b"1"]
    predicted = loaded.signatures["predict"](examples=examples)
    np.testing.assert_allclose(predicted["logits"].numpy(), expected["logits"], rtol=1e-5)
    np.testing.assert_array_equal(predicted["class_ids"].numpy(), expected["class_ids"])
    regressed = loaded.signatures["regression"](inputs=examples)
    np.testing.assert_allclose(regressed["outputs"].numpy(), expected["logistic"], rtol=1e-5)


def test_regressor_export_has_regression_signatures(tmp_path):
    from tfgraph_dnn.estimator_tf1.export import build_parsing_serving_input_receiver_fn

    features, _ = _separable(16)
    labels = (features["x1"] - features["x2"]).astype(np.float32)
    train, _, predict = _fns(features, labels)
    columns = _numeric()
    model = canned.LinearRegressor(columns, model_dir=str(tmp_path / "model"),
                                   config=_config())
    model.train(train, steps=5)
    expected = _rows(model, predict)["predictions"]
    receiver = build_parsing_serving_input_receiver_fn(fc.make_parse_example_spec(columns))
    export_dir = model.export_saved_model(str(tmp_path / "export"), receiver)
    loaded = tf.saved_model.load(export_dir.decode() if isinstance(export_dir, bytes)
                                 else export_dir)
    assert set(loaded.signatures) == {"serving_default", "regression", "predict"}
    examples = tf.constant([_example(float(a), float(b))
                            for a, b in zip(features["x1"], features["x2"])])
    out = loaded.signatures["serving_default"](inputs=examples)
    np.testing.assert_allclose(out["outputs"].numpy(), expected, rtol=1e-5)


def test_linear_classifier_feature_column_kinds_and_names(tmp_path):
    rng = np.random.RandomState(2)
    n = 40
    features = {"x1": rng.uniform(-1, 1, n).astype(np.float32),
                "color": np.array(["red", "green", "blue", "pink"] * 10),
                "day": (np.arange(n) % 7).astype(np.int64)}
    labels = (features["x1"] > 0).astype(np.int64)
    x1 = fc.numeric_column("x1")
    buckets = fc.bucketized_column(x1, boundaries=[-0.5, 0.0, 0.5])
    color = fc.categorical_column_with_hash_bucket("color", hash_bucket_size=5)
    day = fc.categorical_column_with_identity("day", num_buckets=7)
    crossed = fc.crossed_column([buckets, "color"], hash_bucket_size=11)
    train, evaluate, predict = _fns(features, labels)
    model = canned.LinearClassifier([x1, buckets, color, day, crossed], n_classes=3,
                                    model_dir=str(tmp_path), config=_config())
    model.train(train, steps=40)
    shapes = {name: model.get_variable_value(name).shape
              for name in model.get_variable_names() if "Ftrl" not in name}
    assert shapes == {
        "global_step": (),
        "linear/linear_model/bias_weights": (3,),
        "linear/linear_model/x1/weights": (1, 3),
        "linear/linear_model/x1_bucketized/weights": (4, 3),
        "linear/linear_model/color/weights": (5, 3),
        "linear/linear_model/day/weights": (7, 3),
        # TF names a cross by its parts in sorted order.
        "linear/linear_model/color_X_x1_bucketized/weights": (11, 3),
    }
    assert model.evaluate(evaluate)["accuracy"] >= 0.9
    assert _rows(model, predict)["probabilities"].shape == (n, 3)


def test_dnn_regressor_with_several_targets_and_dropout(tmp_path):
    features, _ = _separable(32)
    labels = np.stack([features["x1"] + features["x2"], features["x1"] - features["x2"]],
                      axis=1).astype(np.float32)
    train, evaluate, predict = _fns(features, labels)
    model = canned.DNNRegressor([16], _numeric(), label_dimension=2, dropout=0.1,
                                optimizer="Adam", model_dir=str(tmp_path), config=_config())
    model.train(train, steps=1)
    first = model.evaluate(evaluate)["average_loss"]
    model.train(train, steps=200)
    metrics = model.evaluate(evaluate)
    assert metrics["average_loss"] < 0.5 * first
    predicted = _rows(model, predict)["predictions"]
    assert predicted.shape == (32, 2)
    # Dropout is for training only: two predictions of the same rows agree.
    np.testing.assert_array_equal(predicted, _rows(model, predict)["predictions"])
    squared = ((labels - predicted) ** 2).mean()
    assert metrics["average_loss"] == pytest.approx(squared, rel=1e-4)
