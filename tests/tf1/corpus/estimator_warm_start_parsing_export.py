"""DNNClassifier warm-started from another model_dir, exported with a parsing serving receiver fed tf.train.Examples."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

rng = np.random.RandomState(2)
X = rng.randn(400, 4).astype(np.float32)
y = ((X[:, 0] + X[:, 1] * X[:, 2]) > 0).astype(np.int64)

feature_columns = [tf.feature_column.numeric_column("f%d" % i) for i in range(4)]
features = {"f%d" % i: X[:, i] for i in range(4)}
train_fn = tf.estimator.inputs.numpy_input_fn(x=features, y=y, batch_size=40, num_epochs=None,
                                              shuffle=True)
eval_fn = tf.estimator.inputs.numpy_input_fn(x=features, y=y, num_epochs=1, shuffle=False)

first_dir, second_dir, export_base = tempfile.mkdtemp(), tempfile.mkdtemp(), tempfile.mkdtemp()
first = tf.estimator.DNNClassifier(hidden_units=[20, 10], feature_columns=feature_columns,
                                   model_dir=first_dir)
first.train(train_fn, steps=200)
first_eval = first.evaluate(eval_fn)

ws = tf.estimator.WarmStartSettings(ckpt_to_initialize_from=first_dir,
                                    vars_to_warm_start=".*hiddenlayer.*")
second = tf.estimator.DNNClassifier(hidden_units=[20, 10], feature_columns=feature_columns,
                                    model_dir=second_dir, warm_start_from=ws)
second.train(train_fn, steps=1)
# A warm-started hidden layer moved by one step only; the logits layer started from scratch.
h0_first = first.get_variable_value("dnn/hiddenlayer_0/kernel")
h0_second = second.get_variable_value("dnn/hiddenlayer_0/kernel")
assert np.abs(h0_first - h0_second).max() < 0.1, np.abs(h0_first - h0_second).max()
assert np.abs(first.get_variable_value("dnn/logits/kernel")
              - second.get_variable_value("dnn/logits/kernel")).max() > 0.1
assert second.get_variable_value("global_step") == 1

third = tf.estimator.DNNClassifier(hidden_units=[20, 10], feature_columns=feature_columns,
                                   warm_start_from=first_dir)
third.train(train_fn, steps=1)
third_eval = third.evaluate(eval_fn)
# A model_dir string warm-starts every trainable variable; one Adagrad step moves each < lr.
for name in ("dnn/hiddenlayer_1/kernel", "dnn/logits/kernel", "dnn/logits/bias"):
    moved = np.abs(third.get_variable_value(name) - first.get_variable_value(name)).max()
    assert moved <= 0.05 + 1e-6, (name, moved)
assert third_eval["accuracy"] > 0.8, third_eval

feature_spec = tf.feature_column.make_parse_example_spec(feature_columns)
serving_input_fn = tf.estimator.export.build_parsing_serving_input_receiver_fn(feature_spec)
export_dir = first.export_savedmodel(export_base, serving_input_fn)
if isinstance(export_dir, bytes):
    export_dir = export_dir.decode()
assert os.path.isfile(os.path.join(export_dir, "saved_model.pb"))


def make_example(row):
    feature = {"f%d" % i: tf.train.Feature(float_list=tf.train.FloatList(value=[float(v)]))
               for i, v in enumerate(row)}
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


serialized = [make_example(row) for row in X[:30]]
with tf.Session(graph=tf.Graph()) as sess:
    meta_graph = tf.saved_model.loader.load(sess, ["serve"], export_dir)
    signature = meta_graph.signature_def["predict"]
    outputs = sess.run({k: v.name for k, v in signature.outputs.items()},
                       feed_dict={signature.inputs["examples"].name: serialized})
    classify = meta_graph.signature_def["serving_default"]
    assert classify.method_name == "tensorflow/serving/classify", classify.method_name
expected = [p["probabilities"] for p in first.predict(
    tf.estimator.inputs.numpy_input_fn({k: v[:30] for k, v in features.items()}, shuffle=False))]
assert np.allclose(outputs["probabilities"], expected, atol=1e-6)
assert list(outputs["class_ids"].ravel()) == list(np.argmax(expected, axis=1))
for d in (first_dir, second_dir, export_base, third.model_dir):
    shutil.rmtree(d)
print("estimator_warm_start_parsing_export OK: accuracy %.3f" % first_eval["accuracy"])
