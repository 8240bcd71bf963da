"""The training graph's global-step read (what the hooks fetch) exists before the model, as in TF 1.15."""
import numpy as np
import tensorflow as tf

from tfgraph_dnn import estimator_tf1 as est

v1 = tf.compat.v1
READ_KEY = "global_step_read_op_cache"  # TensorFlow's training_util.GLOBAL_STEP_READ_KEY


def test_global_step_read_is_created_before_input_and_model(tmp_path):
    seen = {}

    def input_fn():
        seen["at_input"] = list(v1.get_collection(READ_KEY))
        return {"x": tf.constant(np.ones((4, 2), np.float32))}, tf.constant(np.ones(4, np.float32))

    def model_fn(features, labels, mode):
        seen["at_model"] = list(v1.get_collection(READ_KEY))
        w = v1.get_variable("w", [2, 1])
        loss = tf.reduce_mean(tf.square(tf.squeeze(tf.matmul(features["x"], w), 1) - labels))
        train_op = v1.train.GradientDescentOptimizer(0.1).minimize(
            loss, global_step=v1.train.get_global_step())
        return est.EstimatorSpec(mode, loss=loss, train_op=train_op)

    est.Estimator(model_fn, model_dir=str(tmp_path)).train(input_fn, steps=2)
    assert len(seen["at_input"]) == 1 and len(seen["at_model"]) == 1, seen
    read = seen["at_model"][0]
    assert read.op.name == "global_step/add" and read.dtype == tf.int64
    # Created ahead of every input and model op: the executor schedules it first.
    ops = read.graph.get_operations()
    assert ops.index(read.op) < min(ops.index(op) for op in ops if op.name.startswith("w"))
