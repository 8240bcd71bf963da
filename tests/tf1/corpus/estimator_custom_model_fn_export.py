"""Custom model_fn with tf.layers, numpy_input_fn, train/evaluate, export_savedmodel + loader."""
import shutil
import tempfile

import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode, params):
    net = tf.layers.dense(features["pixels"], params["hidden"], activation=tf.nn.relu)
    logits = tf.layers.dense(net, 3)
    predictions = {"classes": tf.argmax(logits, axis=1), "probabilities": tf.nn.softmax(logits)}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode=mode, predictions=predictions)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.train.AdamOptimizer(learning_rate=0.01)
        train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode=mode, loss=loss, train_op=train_op)
    eval_metric_ops = {"accuracy": tf.metrics.accuracy(labels, predictions["classes"])}
    return tf.estimator.EstimatorSpec(mode=mode, loss=loss, eval_metric_ops=eval_metric_ops)


def main():
    rng = np.random.RandomState(0)
    centers = rng.randn(3, 6) * 3
    labels = rng.randint(0, 3, size=300).astype(np.int32)
    pixels = (centers[labels] + rng.randn(300, 6)).astype(np.float32)
    model_dir = tempfile.mkdtemp()
    classifier = tf.estimator.Estimator(model_fn=model_fn, model_dir=model_dir,
                                        params={"hidden": 16})
    train_input_fn = tf.estimator.inputs.numpy_input_fn(
        x={"pixels": pixels}, y=labels, batch_size=32, num_epochs=None, shuffle=True)
    classifier.train(input_fn=train_input_fn, steps=60)
    eval_input_fn = tf.estimator.inputs.numpy_input_fn(
        x={"pixels": pixels}, y=labels, num_epochs=1, shuffle=False)
    results = classifier.evaluate(input_fn=eval_input_fn)
    assert results["global_step"] == 60, results
    assert results["accuracy"] > 0.8, results

    feature_spec = {"pixels": tf.placeholder(tf.float32, [None, 6])}
    serving_fn = tf.estimator.export.build_raw_serving_input_receiver_fn(feature_spec)
    export_dir = classifier.export_savedmodel(model_dir + "/export", serving_fn)
    with tf.Session(graph=tf.Graph()) as sess:
        meta = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING],
                                          export_dir)
        signature = meta.signature_def["serving_default"]
        fetch = signature.outputs["classes"].name
        feed = signature.inputs["pixels"].name
        served = sess.run(fetch, feed_dict={feed: pixels[:20]})
    predicted = [p["classes"] for p in classifier.predict(
        tf.estimator.inputs.numpy_input_fn(x={"pixels": pixels[:20]}, shuffle=False))]
    assert list(served) == predicted
    shutil.rmtree(model_dir)
    print("estimator_custom_model_fn_export OK: accuracy %.2f" % results["accuracy"])


if __name__ == "__main__":
    main()
