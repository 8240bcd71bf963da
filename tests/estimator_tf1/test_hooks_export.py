"""Hooks, export_saved_model (loaded back with plain TF2), warm start, train_and_evaluate."""
import logging
import os

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tfgraph_dnn import estimator_tf1 as est

from _est_models import classifier_fn, reference_data, regression_data, regression_fn

v1 = tf.compat.v1


def _input(x, y=None, **kwargs):
    kwargs.setdefault("shuffle", False)
    return est.inputs.numpy_input_fn({"x": x}, y, **kwargs)


def test_stop_at_step_hook(tmp_path):
    x, y = regression_data()
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path))
    estimator.train(_input(x, y, batch_size=4, num_epochs=None),
                    hooks=[est.StopAtStepHook(last_step=5)])
    assert estimator.get_variable_value("global_step") == 5


def test_logging_tensor_hook_logs_values(tmp_path, caplog):
    x, y = regression_data()
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path))

    def model_fn(features, labels, mode):
        spec = regression_fn(features, labels, mode)
        hook = est.LoggingTensorHook({"my_loss": spec.loss}, every_n_iter=1)
        return spec._replace(training_hooks=[hook])

    estimator = est.Estimator(model_fn, model_dir=str(tmp_path))
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        estimator.train(_input(x, y, batch_size=8), steps=2)
    assert sum("my_loss = " in r.getMessage() for r in caplog.records) == 2


def test_nan_tensor_hook_raises(tmp_path):
    x, y = regression_data()
    x[3, 0] = np.nan
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path))
    with pytest.raises(est.NanLossDuringTrainingError):
        estimator.train(_input(x, y, batch_size=32))


def test_hooks_must_be_session_run_hooks(tmp_path):
    x, y = regression_data()
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path))
    with pytest.raises(TypeError, match="Hooks must be a SessionRunHook"):
        estimator.train(_input(x, y), hooks=["not a hook"])


def test_saving_listener_called(tmp_path):
    x, y = regression_data()
    saved = []

    class Listener(est.CheckpointSaverListener):
        def after_save(self, session, global_step_value):
            saved.append(global_step_value)

    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path),
                              config=est.RunConfig(save_checkpoints_steps=2))
    estimator.train(_input(x, y, batch_size=8), saving_listeners=[Listener()])
    assert saved == [0, 2, 4]
    off = est.Estimator(regression_fn, model_dir=str(tmp_path / "off"),
                        config=est.RunConfig(save_checkpoints_secs=None))
    with pytest.raises(ValueError, match="There should be a CheckpointSaverHook"):
        off.train(_input(x, y), saving_listeners=[Listener()])


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    x, y = reference_data()
    estimator = est.Estimator(classifier_fn, model_dir=str(tmp_path_factory.mktemp("cls")),
                              params={"hidden": 8}, config=est.RunConfig(tf_random_seed=5))
    estimator.train(_input(x, y, batch_size=8, num_epochs=3, shuffle=True))
    return estimator


def test_export_raw_receiver_loads_in_plain_tf2(classifier, tmp_path):
    x, _ = reference_data()
    receiver = est.export.build_raw_serving_input_receiver_fn(
        {"x": tf.zeros([1, 4], tf.float32)})
    path = classifier.export_saved_model(str(tmp_path / "export"), receiver)
    assert isinstance(path, bytes) and os.path.basename(path).isdigit()
    assert os.listdir(tmp_path / "export") == [os.path.basename(path).decode()]
    loaded = tf.saved_model.load(path.decode())
    outputs = loaded.signatures["serving_default"](x=tf.constant(x[:5]))
    expected = [p["logits"] for p in classifier.predict(_input(x[:5]))]
    np.testing.assert_allclose(outputs["logits"].numpy(), np.array(expected), rtol=1e-6)
    assert set(outputs) == {"class_ids", "probabilities", "logits"}
    legacy = classifier.export_savedmodel(str(tmp_path / "export"), receiver)
    assert legacy != path


def test_export_parsing_receiver_with_classification_output(tmp_path):
    x, y = regression_data()

    def model_fn(features, labels, mode):
        spec = regression_fn(features, labels, mode)
        if mode != est.ModeKeys.PREDICT:
            return spec
        value = spec.predictions
        outputs = {"regression": est.export.RegressionOutput(value),
                   "predict": est.export.PredictOutput({"value": value})}
        outputs["serving_default"] = outputs["regression"]
        return est.EstimatorSpec(mode, predictions=value, export_outputs=outputs)

    estimator = est.Estimator(model_fn, model_dir=str(tmp_path / "m"))
    estimator.train(_input(x, y, batch_size=8))
    receiver = est.export.build_parsing_serving_input_receiver_fn(
        {"x": tf.io.FixedLenFeature([3], tf.float32)})
    path = estimator.export_saved_model(str(tmp_path / "export"), receiver).decode()
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default", "regression", "predict"}
    example = tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=x[0].tolist()))}))
    got = loaded.signatures["predict"](examples=tf.constant([example.SerializeToString()]))
    (direct,) = list(estimator.predict(_input(x[:1])))
    assert got["value"].numpy()[0] == pytest.approx(direct, rel=1e-6)


def test_export_without_checkpoint_fails(tmp_path):
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path))
    receiver = est.export.build_raw_serving_input_receiver_fn({"x": tf.zeros([1, 3])})
    with pytest.raises(ValueError, match="Couldn't find trained model"):
        estimator.export_saved_model(str(tmp_path / "export"), receiver)


def test_warm_start_copies_trainable_variables(classifier, tmp_path):
    x, y = reference_data()
    warm = est.Estimator(classifier_fn, model_dir=str(tmp_path), params={"hidden": 8},
                         warm_start_from=classifier.model_dir)
    cold_logits = [p["logits"] for p in warm.predict(_input(x[:3]))]
    source_logits = [p["logits"] for p in classifier.predict(_input(x[:3]))]
    np.testing.assert_allclose(cold_logits, source_logits, rtol=1e-6)  # warm-started predict
    warm.train(_input(x, y, batch_size=8), steps=1)
    assert warm.get_variable_value("global_step") == 1  # the step is not warm-started
    assert classifier.get_variable_value("global_step") > 1
    kernel = classifier.get_variable_value("dense_1/kernel")
    moved = warm.get_variable_value("dense_1/kernel")
    assert np.abs(moved - kernel).max() < 0.1 and not np.allclose(moved, kernel)
    # Only the variables matching vars_to_warm_start: dense/ but not dense_1/.
    partial = est.Estimator(classifier_fn, model_dir=str(tmp_path / "p"), params={"hidden": 8},
                            config=est.RunConfig(tf_random_seed=77),
                            warm_start_from=est.WarmStartSettings(
                                classifier.model_dir, vars_to_warm_start="dense/.*"))
    partial.train(_input(x, y, batch_size=40), steps=1)
    first = partial.get_variable_value("dense/bias")
    assert np.abs(first - classifier.get_variable_value("dense/bias")).max() < 0.1
    assert np.abs(partial.get_variable_value("dense_1/kernel") - kernel).max() > 0.1


def test_train_and_evaluate_evaluates_and_exports(tmp_path):
    x, y = regression_data()
    config = est.RunConfig(save_checkpoints_steps=4)
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path), config=config)
    receiver = est.export.build_raw_serving_input_receiver_fn({"x": tf.zeros([1, 3])})
    train_spec = est.TrainSpec(_input(x, y, batch_size=4, num_epochs=None), max_steps=10)
    eval_spec = est.EvalSpec(_input(x, y, batch_size=8), steps=None, throttle_secs=0,
                             exporters=[est.FinalExporter("final", receiver)])
    metrics, exports = est.train_and_evaluate(estimator, train_spec, eval_spec)
    assert metrics["global_step"] == 10 and metrics["loss"] < 1.0
    # Evaluated at steps 4, 8 and 10 (not on the initial checkpoint); exported once, at the end.
    assert len(exports) == 1
    assert os.path.isdir(exports[0]) and os.path.dirname(exports[0]).endswith(b"final")
    events = EventAccumulator(str(tmp_path / "eval"))
    events.Reload()
    assert [e.step for e in events.Scalars("loss")] == [4, 8, 10]
    with pytest.raises(ValueError, match="Must specify max_steps > 0"):
        est.TrainSpec(_input(x, y), max_steps=0)
    with pytest.raises(TypeError, match="must be callable"):
        est.EvalSpec("not callable")


def test_best_and_latest_exporters_as_tf215(tmp_path):
    """TF 2.15 on this setup: best/ gets an export per improving evaluation (the first
    one included), latest/ keeps exports_to_keep=2; the result lists the last exports."""
    x, y = regression_data()
    config = est.RunConfig(save_checkpoints_steps=2, tf_random_seed=1)
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path), config=config)
    receiver = est.export.build_raw_serving_input_receiver_fn({"x": tf.zeros([1, 3])})
    compared = []

    def compare(best_eval_result, current_eval_result):
        compared.append((best_eval_result["loss"], current_eval_result["loss"]))
        return best_eval_result["loss"] > current_eval_result["loss"]

    exporters = [est.BestExporter("best", receiver, compare_fn=compare),
                 est.LatestExporter("latest", receiver, exports_to_keep=2)]
    metrics, exports = est.train_and_evaluate(
        estimator, est.TrainSpec(_input(x, y, batch_size=4, num_epochs=None), max_steps=8),
        est.EvalSpec(_input(x, y, batch_size=8), steps=None, throttle_secs=0,
                     exporters=exporters))
    assert metrics["global_step"] == 8 and len(exports) == 2
    assert len(compared) == 3 and all(best > current for best, current in compared)
    assert len(os.listdir(tmp_path / "export" / "best")) == 4
    assert len(os.listdir(tmp_path / "export" / "latest")) == 2
    with pytest.raises(ValueError, match="no loss is found"):
        est.exporter._loss_smaller({}, {"loss": 1.0})


def test_add_metrics(classifier):
    x, y = reference_data()

    def metric_fn(labels, predictions):
        return {"mean_class": v1.metrics.mean(tf.cast(predictions["class_ids"], tf.float32)),
                "accuracy": v1.metrics.accuracy(labels, tf.zeros_like(labels))}

    extended = est.add_metrics(classifier, metric_fn)
    assert extended.model_dir == classifier.model_dir
    metrics = extended.evaluate(_input(x, y, batch_size=40), name="extended")
    classes = np.array([p["class_ids"] for p in classifier.predict(_input(x))])
    assert metrics["mean_class"] == pytest.approx(classes.mean())
    assert metrics["accuracy"] == pytest.approx(np.mean(y == 0))  # replaced by metric_fn's
    with pytest.raises(ValueError, match="has following not expected args"):
        est.add_metrics(classifier, lambda labels, mode: {})
