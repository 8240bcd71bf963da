"""tf.estimator.experimental's early-stopping hooks read eval events and stop training."""
import pytest
import tensorflow as tf

from tfgraph_dnn import estimator_tf1 as est
from tfgraph_dnn.estimator_tf1 import _util
from tfgraph_dnn.estimator_tf1.early_stopping import read_eval_metrics

from _est_models import regression_data, regression_fn

LOSSES = {10: 1.0, 20: 0.5, 30: 0.6, 40: 0.7}


@pytest.fixture
def estimator(tmp_path):
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path))
    with tf.Graph().as_default():  # TF1's FileWriter needs a graph
        for step, loss in LOSSES.items():
            _util.write_dict_to_summary(estimator.eval_dir(),
                                        {"loss": loss, "global_step": step}, step)
    return estimator


def _steps_trained(estimator, hook):
    x, y = regression_data()
    estimator.train(est.inputs.numpy_input_fn({"x": x}, y, batch_size=4, num_epochs=None,
                                              shuffle=False), hooks=[hook], steps=6)
    return estimator.get_variable_value("global_step")


def test_read_eval_metrics(estimator):
    metrics = read_eval_metrics(estimator.eval_dir())
    assert list(metrics) == [10, 20, 30, 40]
    assert [m["loss"] for m in metrics.values()] == pytest.approx(list(LOSSES.values()))


@pytest.mark.parametrize("max_steps, stops", [(15, True), (25, False)])
def test_stop_if_no_decrease(estimator, max_steps, stops):
    hook = est.experimental.stop_if_no_decrease_hook(estimator, "loss", max_steps,
                                                     run_every_secs=None, run_every_steps=1)
    assert _steps_trained(estimator, hook) == (1 if stops else 6)
    assert bool(estimator.get_variable_value("signal_early_stopping/STOP")) is stops


def test_threshold_hooks(estimator):
    lower = est.experimental.stop_if_lower_hook(estimator, "loss", 0.4, run_every_secs=None,
                                                run_every_steps=1)
    assert _steps_trained(estimator, lower) == 6  # never below 0.4
    higher = est.experimental.stop_if_higher_hook(estimator, "loss", 0.9, min_steps=11,
                                                  run_every_secs=None, run_every_steps=1)
    assert _steps_trained(estimator, higher) == 12  # 1.0 at step 10 is before min_steps
    lower_ok = est.experimental.stop_if_lower_hook(estimator, "loss", 0.55,
                                                   run_every_secs=None, run_every_steps=1)
    assert _steps_trained(estimator, lower_ok) == 13


def test_argument_errors(estimator):
    with pytest.raises(ValueError, match="Only one of `run_every_secs` and `run_every_steps`"):
        est.experimental.stop_if_lower_hook(estimator, "loss", 1.0, run_every_steps=5)
    with pytest.raises(TypeError, match="must have type `tf.estimator.Estimator`"):
        est.experimental.make_early_stopping_hook("estimator", lambda: True)
    with pytest.raises(AttributeError, match="is not provided"):
        est.experimental.InMemoryEvaluatorHook  # noqa: B018
