"""Run by the shared TF1-mode process for tests/nn/test_rnn_cell.py: LSTMs of
``tf.nn.rnn_cell`` and ``tf.contrib.rnn`` train through ``import tfgraph_dnn.tf1 as tf``;
prints one JSON line."""
import json, os, sys, tempfile
import numpy as np
import tfgraph_dnn.tf1 as tf
rng = np.random.RandomState(0)
X = rng.randn(64, 6, 2).astype(np.float32)
Y = (X[:, :, 0].sum(axis=1) > 0).astype(np.int32)
results = {}
for kind in ("nn", "contrib"):
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 6, 2])
    y = tf.placeholder(tf.int32, [None])
    if kind == "nn":
        cell = tf.nn.rnn_cell.BasicLSTMCell(8)
    else:
        cell = tf.contrib.rnn.LSTMCell(8, use_peepholes=True)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    logits = tf.layers.dense(state.h, 2)
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    train = tf.train.AdamOptimizer(0.05).minimize(loss)
    path = os.path.join(tempfile.mkdtemp(), "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [float(sess.run([loss, train], {x: X, y: Y})[0]) for _ in range(15)]
        tf.train.Saver().save(sess, path)
    results[kind] = {
        "losses": losses,
        "names": [v.op.name for v in tf.trainable_variables()],
        "saved": sorted(n for n, _ in tf.train.list_variables(path) if "Adam" not in n
                        and "power" not in n),
        "types": sorted({type(v).__name__ for v in tf.trainable_variables()})}
results["eager"] = tf.executing_eagerly()
print(json.dumps(results))
