"""tf.estimator in the tf1 namespace's name list (checked without entering TF1 mode)."""
import pytest
import tensorflow as tf

from tfgraph_dnn import estimator_tf1, tf1_api


@pytest.mark.parametrize("name", [
    "estimator.Estimator", "estimator.EstimatorSpec", "estimator.ModeKeys.PREDICT",
    "estimator.RunConfig", "estimator.inputs.numpy_input_fn",
    "estimator.inputs.pandas_input_fn", "estimator.export.ServingInputReceiver",
    "estimator.export.build_parsing_serving_input_receiver_fn", "estimator.train_and_evaluate",
    "estimator.TrainSpec", "estimator.EvalSpec", "estimator.WarmStartSettings",
    "estimator.LoggingTensorHook", "compat.v1.estimator.Estimator", "estimator.BestExporter",
    "estimator.experimental.stop_if_no_decrease_hook", "estimator.VocabInfo"])
def test_resolves(name):
    assert tf1_api.resolve(name.split(".")) is None


def test_missing_name_is_reported():
    reason = tf1_api.resolve(["estimator", "TPUEstimator"])
    assert reason and "TPUEstimator" in reason
    with pytest.raises(AttributeError, match="tf.estimator.TPUEstimator is not provided"):
        estimator_tf1.TPUEstimator  # noqa: B018


def test_hooks_are_tensorflows_own():
    assert estimator_tf1.StopAtStepHook is tf.compat.v1.train.StopAtStepHook
    assert estimator_tf1.SessionRunHook is tf.compat.v1.train.SessionRunHook
    assert tf.executing_eagerly()
