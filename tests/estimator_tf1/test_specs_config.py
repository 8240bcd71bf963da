"""EstimatorSpec validation and RunConfig defaults, against TF 1.15's rules."""
import pytest
import tensorflow as tf

from tfgraph_dnn import estimator_tf1 as est

v1 = tf.compat.v1


@pytest.fixture
def tensors():
    with tf.Graph().as_default() as graph:
        loss = tf.constant(1.0)
        yield graph, loss, tf.no_op(), tf.constant([1.0, 2.0])


def test_mode_keys():
    assert (est.ModeKeys.TRAIN, est.ModeKeys.EVAL, est.ModeKeys.PREDICT) == (
        "train", "eval", "infer")


def test_required_fields_per_mode(tensors):
    _, loss, train_op, predictions = tensors
    with pytest.raises(ValueError, match="Missing train_op"):
        est.EstimatorSpec(est.ModeKeys.TRAIN, loss=loss)
    with pytest.raises(ValueError, match="Missing loss"):
        est.EstimatorSpec(est.ModeKeys.TRAIN, train_op=train_op)
    with pytest.raises(ValueError, match="Missing loss"):
        est.EstimatorSpec(est.ModeKeys.EVAL)
    with pytest.raises(ValueError, match="Missing predictions"):
        est.EstimatorSpec(est.ModeKeys.PREDICT)
    spec = est.EstimatorSpec(est.ModeKeys.TRAIN, loss=loss, train_op=train_op)
    assert spec.predictions == {} and spec.eval_metric_ops == {}
    assert isinstance(spec.scaffold, v1.train.Scaffold) and spec.training_hooks == ()


def test_loss_checks(tensors):
    _, _, train_op, predictions = tensors
    with pytest.raises(ValueError, match="Loss must be scalar"):
        est.EstimatorSpec(est.ModeKeys.EVAL, loss=predictions)
    with pytest.raises(TypeError, match="loss must be Tensor"):
        est.EstimatorSpec(est.ModeKeys.EVAL, loss=1.0)
    spec = est.EstimatorSpec(est.ModeKeys.EVAL, loss=tf.constant([2.0]))
    assert spec.loss.shape == ()


def test_tensors_from_another_graph(tensors):
    _, loss, _, _ = tensors
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="must be from the default graph"):
            est.EstimatorSpec(est.ModeKeys.EVAL, loss=loss)


def test_metric_hook_scaffold_type_checks(tensors):
    _, loss, train_op, predictions = tensors
    with pytest.raises(TypeError, match="eval_metric_ops must be a dict"):
        est.EstimatorSpec(est.ModeKeys.EVAL, loss=loss, eval_metric_ops=[1])
    with pytest.raises(TypeError, match=r"\(metric_value, update_op\) tuples"):
        est.EstimatorSpec(est.ModeKeys.EVAL, loss=loss, eval_metric_ops={"m": loss})
    with pytest.raises(TypeError, match="must be Operation or Tensor"):
        est.EstimatorSpec(est.ModeKeys.EVAL, loss=loss, eval_metric_ops={"m": (1.0, train_op)})
    with pytest.raises(TypeError, match="All hooks must be SessionRunHook"):
        est.EstimatorSpec(est.ModeKeys.EVAL, loss=loss, evaluation_hooks=[object()])
    with pytest.raises(TypeError, match="scaffold must be tf.train.Scaffold"):
        est.EstimatorSpec(est.ModeKeys.EVAL, loss=loss, scaffold="scaffold")
    with pytest.raises(TypeError, match="predictions must be Tensor"):
        est.EstimatorSpec(est.ModeKeys.PREDICT, predictions=[1.0])


def test_export_outputs_defaults(tensors):
    _, _, _, predictions = tensors
    spec = est.EstimatorSpec(est.ModeKeys.PREDICT, predictions={"p": predictions})
    (key, output), = spec.export_outputs.items()
    assert key == "serving_default" and isinstance(output, est.export.PredictOutput)
    spec = est.EstimatorSpec(est.ModeKeys.PREDICT, predictions=predictions,
                             export_outputs={"mine": est.export.PredictOutput(predictions)})
    assert set(spec.export_outputs) == {"mine", "serving_default"}
    with pytest.raises(ValueError, match="none of them is specified as the default"):
        est.EstimatorSpec(est.ModeKeys.PREDICT, predictions=predictions, export_outputs={
            "a": est.export.PredictOutput(predictions),
            "b": est.export.PredictOutput(predictions)})
    with pytest.raises(TypeError, match="must be ExportOutput objects"):
        est.EstimatorSpec(est.ModeKeys.PREDICT, predictions=predictions,
                          export_outputs={"a": predictions})
    with pytest.raises(ValueError, match="mode of EstimatorSpec cannot be changed"):
        spec._replace(mode=est.ModeKeys.TRAIN)


def test_export_output_checks(tensors):
    _, _, _, predictions = tensors
    with pytest.raises(ValueError, match="At least one of scores and classes"):
        est.export.ClassificationOutput()
    with pytest.raises(ValueError, match="scores must be a float32 Tensor"):
        est.export.ClassificationOutput(scores=tf.constant([1]))
    with pytest.raises(ValueError, match="must be a float32 Tensor"):
        est.export.RegressionOutput(tf.constant([1]))
    assert set(est.export.PredictOutput(predictions).outputs) == {"output"}


def test_run_config_defaults_are_tf1s():
    config = est.RunConfig()
    assert config.model_dir is None and config.tf_random_seed is None
    assert config.save_summary_steps == 100
    assert config.save_checkpoints_steps is None and config.save_checkpoints_secs == 600
    assert config.keep_checkpoint_max == 5 and config.keep_checkpoint_every_n_hours == 10000
    assert config.log_step_count_steps == 100 and config.session_config is None
    assert config.is_chief and config.num_worker_replicas == 1 and config.master == ""
    steps = est.RunConfig(save_checkpoints_steps=10)
    assert steps.save_checkpoints_secs is None and steps.save_checkpoints_steps == 10
    with pytest.raises(ValueError, match="cannot be both set"):
        est.RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)


def test_run_config_replace():
    config = est.RunConfig(model_dir="/tmp/a", tf_random_seed=1)
    other = config.replace(save_checkpoints_steps=50)
    assert other.save_checkpoints_steps == 50 and other.save_checkpoints_secs is None
    assert config.save_checkpoints_secs == 600 and other.model_dir == "/tmp/a"
    with pytest.raises(ValueError, match="not in the list of allowed properties"):
        config.replace(is_chief=False)
    with pytest.raises(ValueError, match="save_summary_steps should be >= 0"):
        config.replace(save_summary_steps=-1)
    with pytest.raises(ValueError, match="model_dir should be non-empty"):
        est.RunConfig(model_dir="")


def test_estimator_gets_default_session_config(tmp_path):
    estimator = est.Estimator(lambda features, labels, mode: None, model_dir=str(tmp_path))
    assert estimator.config.session_config.allow_soft_placement
    with pytest.raises(ValueError, match="config must be an instance of `RunConfig`"):
        est.Estimator(lambda features: None, config={"model_dir": "x"})


def test_fn_args_as_tf1_inspected_them():
    import functools

    from tfgraph_dnn.estimator_tf1._util import fn_args

    def model_fn(features, labels, mode, params, config):
        return None

    class Model:
        def model_fn(self, features, labels, mode):
            return None

        def __call__(self, features, mode):
            return None

    assert fn_args(model_fn) == ("features", "labels", "mode", "params", "config")
    assert fn_args(functools.partial(model_fn, params={})) == (
        "features", "labels", "mode", "config")
    assert fn_args(functools.partial(model_fn, 1)) == ("labels", "mode", "params", "config")
    assert fn_args(Model().model_fn) == ("features", "labels", "mode")
    assert fn_args(Model()) == ("features", "mode")
    with pytest.raises(TypeError, match="is not callable"):
        fn_args(3)
