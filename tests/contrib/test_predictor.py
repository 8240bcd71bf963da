"""tf.contrib.predictor (TF 1.15): from_saved_model and from_estimator run the serving signature."""
import numpy as np
import pytest
import tensorflow as tf

from tfgraph_dnn import estimator_tf1 as est
from tfgraph_dnn.contrib import predictor

v1 = tf.compat.v1


def write_saved_model(path, signature_key="serving_default"):
    """A SavedModel computing y = 2x + 1 under ``signature_key``."""
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 2], name="x")
        b = v1.get_variable("b", initializer=1.0)
        y = tf.identity(2.0 * x + b, name="y")
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            builder = v1.saved_model.builder.SavedModelBuilder(str(path))
            builder.add_meta_graph_and_variables(
                sess, ["serve"], signature_def_map={signature_key: (
                    v1.saved_model.signature_def_utils.predict_signature_def({"x": x},
                                                                             {"y": y}))})
            builder.save()
    return str(path)


def test_from_saved_model_runs_the_default_signature(tmp_path):
    predict_fn = predictor.from_saved_model(write_saved_model(tmp_path / "m"))
    out = predict_fn({"x": np.array([[1.0, 2.0]], np.float32)})
    np.testing.assert_allclose(out["y"], [[3.0, 5.0]])
    assert sorted(predict_fn.feed_tensors) == ["x"] and sorted(predict_fn.fetch_tensors) == ["y"]
    with pytest.raises(ValueError, match="unexpected keys in input_dict: {'z'}"):
        predict_fn({"z": np.zeros((1, 2), np.float32)})


def test_signature_keys_names_and_alternatives(tmp_path):
    path = write_saved_model(tmp_path / "m", "default_input_alternative:serving_default")
    np.testing.assert_allclose(predictor.from_saved_model(path)({"x": [[0.0, 1.0]]})["y"],
                               [[1.0, 3.0]])
    with pytest.raises(ValueError, match=r'"predict". Available signatures are '
                                         r"\['default_input_alternative:serving_default'\]"):
        predictor.from_saved_model(path, signature_def_key="predict")
    named = predictor.from_saved_model(path, input_names={"in": "x:0"},
                                       output_names={"out": "y:0"})
    np.testing.assert_allclose(named({"in": [[1.0, 1.0]]})["out"], [[3.0, 3.0]])
    with pytest.raises(ValueError, match="both be specified"):
        predictor.from_saved_model(path, input_names={"in": "x:0"})
    with pytest.raises(ValueError, match="at most one"):
        predictor.from_saved_model(path, signature_def_key="a", input_names={},
                                   output_names={})


def test_from_estimator_matches_estimator_predict(tmp_path):
    def model_fn(features, labels, mode):
        w = v1.get_variable("w", [3, 1])
        value = tf.squeeze(tf.matmul(features["x"], w), 1)
        if mode == est.ModeKeys.PREDICT:
            return est.EstimatorSpec(mode, predictions={"value": value})
        loss = tf.reduce_mean(tf.square(value - labels))
        train_op = v1.train.GradientDescentOptimizer(0.1).minimize(
            loss, global_step=v1.train.get_global_step())
        return est.EstimatorSpec(mode, loss=loss, train_op=train_op)

    x = np.random.RandomState(0).randn(40, 3).astype(np.float32)
    y = x.dot([1.0, -1.0, 2.0]).astype(np.float32)
    estimator = est.Estimator(model_fn, model_dir=str(tmp_path / "m"))
    estimator.train(est.inputs.numpy_input_fn({"x": x}, y, batch_size=10, num_epochs=5,
                                                shuffle=True))
    receiver = est.export.build_raw_serving_input_receiver_fn(
        {"x": tf.zeros([1, 3], tf.float32)})
    with tf.Graph().as_default():
        predict_fn = predictor.from_estimator(estimator, receiver)
    got = predict_fn({"x": x[:5]})["value"]
    expected = [p["value"] for p in estimator.predict(
        est.inputs.numpy_input_fn({"x": x[:5]}, shuffle=False))]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    with pytest.raises(NotImplementedError, match="from_contrib_estimator is not provided"):
        predictor.from_contrib_estimator(None, None)
