"""Estimator train / evaluate / predict / export and the model directory it writes."""
import os

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tfgraph_dnn import estimator_tf1 as est

from _est_models import classifier_fn, reference, reference_data, regression_data, regression_fn

v1 = tf.compat.v1


def _train_input(x, y, **kwargs):
    kwargs.setdefault("batch_size", 8)
    kwargs.setdefault("shuffle", True)
    return est.inputs.numpy_input_fn({"x": x}, y, **kwargs)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A classifier trained 12 steps (checkpoint every 5), evaluated once."""
    model_dir = str(tmp_path_factory.mktemp("core") / "model")
    x, y = reference_data()
    config = est.RunConfig(tf_random_seed=3, save_summary_steps=2, log_step_count_steps=2,
                           save_checkpoints_steps=5)
    estimator = est.Estimator(classifier_fn, model_dir=model_dir, config=config,
                              params={"hidden": 8})
    estimator.train(_train_input(x, y, num_epochs=None), steps=12)
    metrics = estimator.evaluate(_train_input(x, y, shuffle=False))
    return estimator, metrics


def test_import_keeps_eager_mode():
    assert tf.executing_eagerly()


def test_model_dir_laid_out_as_tf1(trained):
    estimator, _ = trained
    files = set(os.listdir(estimator.model_dir))
    assert {"checkpoint", "graph.pbtxt", "eval"} <= files
    for step in (0, 5, 10, 12):
        for suffix in (".index", ".meta", ".data-00000-of-00001"):
            assert f"model.ckpt-{step}{suffix}" in files
    expected, _ = reference()
    reference_kinds = {name.split(".")[0] for name in expected["model_dir_files"]}
    assert reference_kinds <= {name.split(".")[0] for name in files}
    assert os.path.basename(estimator.latest_checkpoint()) == "model.ckpt-12"
    state = tf.train.get_checkpoint_state(estimator.model_dir)
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == [
        "model.ckpt-0", "model.ckpt-5", "model.ckpt-10", "model.ckpt-12"]


def test_train_events_read_by_tensorboard(trained):
    estimator, _ = trained
    events = EventAccumulator(estimator.model_dir)
    events.Reload()
    scalars = events.Tags()["scalars"]
    assert {"loss", "global_step/sec"} <= set(scalars)
    expected, _ = reference()
    assert {"loss", "global_step/sec"} <= set(expected["train_event_tags"])
    steps = [e.step for e in events.Scalars("loss")]
    assert steps == sorted(steps) and steps[0] in (0, 1) and len(steps) >= 5
    assert events.Tags()["graph"]


def test_eval_events_and_results(trained):
    estimator, metrics = trained
    assert sorted(metrics) == ["accuracy", "global_step", "loss"]
    assert metrics["global_step"] == 12
    assert 0.0 <= metrics["accuracy"] <= 1.0 and metrics["loss"] > 0
    events = EventAccumulator(os.path.join(estimator.model_dir, "eval"))
    events.Reload()
    expected, _ = reference()
    assert set(events.Tags()["scalars"]) == set(expected["eval_event_tags"]) - {"checkpoint_path"}
    assert "checkpoint_path" in events.Tags()["tensors"]
    (loss,) = events.Scalars("loss")
    assert loss.step == 12 and loss.value == pytest.approx(float(metrics["loss"]), rel=1e-6)


def test_evaluate_loss_is_mean_of_batch_losses(trained):
    estimator, _ = trained
    x, y = reference_data()
    full = estimator.evaluate(_train_input(x, y, shuffle=False, batch_size=40), name="full")
    first = estimator.evaluate(_train_input(x, y, shuffle=False, batch_size=40),
                               steps=1, name="full")
    assert full["loss"] == pytest.approx(first["loss"])
    assert os.path.isdir(os.path.join(estimator.model_dir, "eval_full"))
    probabilities = np.array([p["probabilities"] for p in estimator.predict(
        est.inputs.numpy_input_fn({"x": x}, shuffle=False))])
    manual = -np.mean(np.log(probabilities[np.arange(len(y)), y]))
    assert full["loss"] == pytest.approx(manual, rel=1e-5)


def test_predict_keys_batches_and_errors(trained):
    estimator, _ = trained
    x, _ = reference_data()
    fn = est.inputs.numpy_input_fn({"x": x[:10]}, batch_size=4, shuffle=False)
    only = list(estimator.predict(fn, predict_keys=["class_ids"]))
    assert len(only) == 10 and set(only[0]) == {"class_ids"}
    batches = list(estimator.predict(fn, yield_single_examples=False))
    assert [len(b["logits"]) for b in batches] == [4, 4, 2]
    with pytest.raises(ValueError, match="Expected to run at least one output"):
        list(estimator.predict(fn, predict_keys=["nope"]))
    old = list(estimator.predict(fn, checkpoint_path=os.path.join(estimator.model_dir,
                                                                  "model.ckpt-0")))
    assert not np.allclose(old[0]["logits"], batches[0]["logits"][0])


def test_train_resumes_and_max_steps(trained, tmp_path):
    estimator, _ = trained
    x, y = reference_data()
    estimator.train(_train_input(x, y, num_epochs=None), max_steps=12)  # already there
    assert estimator.get_variable_value("global_step") == 12
    estimator.train(_train_input(x, y, num_epochs=None), max_steps=14)
    assert estimator.get_variable_value("global_step") == 14
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        estimator.train(_train_input(x, y), steps=1, max_steps=2)
    with pytest.raises(ValueError, match="Must specify steps > 0"):
        estimator.train(_train_input(x, y), steps=0)


def test_input_ending_stops_training(tmp_path):
    x, y = regression_data(32)
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path))
    estimator.train(est.inputs.numpy_input_fn({"x": x}, y, batch_size=8, num_epochs=2,
                                              shuffle=False))
    assert estimator.get_variable_value("global_step") == 8
    assert [n for n in estimator.get_variable_names()] == [
        "global_step", "linear/bias", "linear/kernel"]
    # predictions that are a single tensor are yielded one scalar at a time
    values = list(estimator.predict(est.inputs.numpy_input_fn({"x": x}, shuffle=False)))
    assert len(values) == 32 and np.ndim(values[0]) == 0


def test_dataset_input_fn_and_arg_inspection(tmp_path):
    x, y = regression_data(16)
    seen = {}

    def model_fn(features, labels, mode, config):
        seen["config"] = config
        return regression_fn(features, labels, mode)

    def input_fn(params, mode):
        seen["mode"] = mode
        return tf.data.Dataset.from_tensor_slices(({"x": x}, y)).batch(4)

    estimator = est.Estimator(model_fn, model_dir=str(tmp_path))
    estimator.train(input_fn)
    assert seen["mode"] == est.ModeKeys.TRAIN and seen["config"].model_dir == str(tmp_path)
    assert estimator.get_variable_value("global_step") == 4
    metrics = estimator.evaluate(input_fn)
    assert seen["mode"] == est.ModeKeys.EVAL and metrics["global_step"] == 4


def test_model_fn_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="must include features argument"):
        est.Estimator(lambda labels, mode: None, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="does not include params argument"):
        est.Estimator(lambda features, mode: None, model_dir=str(tmp_path), params={"a": 1})
    with pytest.raises(ValueError, match="has following not expected args"):
        est.Estimator(lambda features, extra: None, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="model_dir` are set both"):
        est.Estimator(regression_fn, model_dir=str(tmp_path / "a"),
                      config=est.RunConfig(model_dir=str(tmp_path / "b")))
    x, y = regression_data(8)
    no_labels = est.Estimator(lambda features, mode: None, model_dir=str(tmp_path / "c"))
    with pytest.raises(ValueError, match="model_fn does not take labels"):
        no_labels.train(est.inputs.numpy_input_fn({"x": x}, y, shuffle=False))
    wrong = est.Estimator(lambda features, labels, mode: {"not": "a spec"},
                          model_dir=str(tmp_path / "d"))
    with pytest.raises(ValueError, match="model_fn should return an EstimatorSpec"):
        wrong.train(est.inputs.numpy_input_fn({"x": x}, y, shuffle=False))
    with pytest.raises(ValueError, match="Could not find trained model"):
        est.Estimator(regression_fn, model_dir=str(tmp_path / "e")).get_variable_names()


def test_temporary_model_dir_and_properties():
    estimator = est.Estimator(classifier_fn, params={"hidden": 3})
    assert os.path.isdir(estimator.model_dir)
    assert estimator.config.model_dir == estimator.model_dir
    params = estimator.params
    params["hidden"] = 99
    assert estimator.params == {"hidden": 3}
    assert estimator.latest_checkpoint() is None


def test_evaluate_and_predict_without_checkpoint_use_initial_values(tmp_path):
    x, y = regression_data(16)
    config = est.RunConfig(tf_random_seed=4)
    estimator = est.Estimator(regression_fn, model_dir=str(tmp_path), config=config)
    metrics = estimator.evaluate(est.inputs.numpy_input_fn({"x": x}, y, shuffle=False))
    assert metrics["global_step"] == 0 and sorted(metrics) == ["global_step", "loss"]
    assert os.listdir(tmp_path) == ["eval"]  # TF 2.15 writes the same: eval/ only
    events = EventAccumulator(str(tmp_path / "eval"))
    events.Reload()
    assert "checkpoint_path" not in events.Tags()["tensors"]
    first = list(estimator.predict(est.inputs.numpy_input_fn({"x": x}, shuffle=False)))
    again = list(estimator.predict(est.inputs.numpy_input_fn({"x": x}, shuffle=False)))
    np.testing.assert_array_equal(first, again)  # seeded initialization
    mse = np.mean((np.array(first) - y) ** 2)
    assert metrics["loss"] == pytest.approx(mse, rel=1e-5)


def test_the_model_runs_after_the_global_step_read(tmp_path):
    """The train op's increment of the step depends on the step read the hooks fetch: with
    the two unordered, StepCounterHook sometimes saw the same step twice on a busy machine
    and warned that the step "has not been increased"."""
    seen = {}

    class KeepGraph(tf.compat.v1.train.SessionRunHook):
        def begin(self):
            seen["graph"] = tf.compat.v1.get_default_graph()

    def model_fn(features, labels, mode):
        weight = tf.compat.v1.get_variable("w", [1, 1])
        loss = tf.reduce_mean(tf.square(tf.matmul(features["x"], weight) - labels))
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(
            loss, global_step=tf.compat.v1.train.get_global_step())
        return est.EstimatorSpec(mode, loss=loss, train_op=train_op)

    x = np.arange(8, dtype=np.float32).reshape(8, 1) / 8
    estimator = est.Estimator(model_fn, model_dir=str(tmp_path))
    estimator.train(_train_input(x, 2 * x, batch_size=4, num_epochs=1, shuffle=False),
                    hooks=[KeepGraph()])
    graph = seen["graph"]
    read = graph.get_collection("global_step_read_op_cache")[0].op
    step = tf.compat.v1.train.get_global_step(graph)
    increments = [op for op in graph.get_operations()
                  if op.type == "AssignAddVariableOp" and op.inputs[0] is step.handle]
    assert increments

    def ancestors(op, found):
        for parent in [tensor.op for tensor in op.inputs] + list(op.control_inputs):
            if parent not in found:
                found.add(parent)
                ancestors(parent, found)
        return found

    assert all(read in ancestors(op, set()) for op in increments)
