"""Run by the shared TF1-mode process for tests/layers/test_tf1_parity.py: TF1's layers
build and train after ``disable_v2_behavior()``; prints one JSON line."""
import json, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
v1 = tf.compat.v1
v1.disable_v2_behavior()
from tfgraph_dnn import layers as L
assert not tf.executing_eagerly()
v1.set_random_seed(0)
x = v1.placeholder(tf.float32, (None, 8, 8, 1))
y = v1.placeholder(tf.int64, (None,))
training = v1.placeholder_with_default(False, ())
h = L.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
h = L.batch_normalization(h, training=training)
h = L.max_pooling2d(h, 2, 2)
h = L.conv2d_transpose(h, 2, 2, strides=2)
h = L.separable_conv2d(h, 3, 3, depth_multiplier=2)
h = L.average_pooling2d(h, 2, 2, padding="same")
h = L.flatten(h)
h = L.dropout(h, 0.3, training=training)
h = L.batch_normalization(L.dense(h, 8, activation=tf.nn.relu), training=training)
logits = L.dense(h, 3)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
    train = v1.train.GradientDescentOptimizer(0.1).minimize(loss)
rng = np.random.RandomState(0)
feed = {x: rng.rand(6, 8, 8, 1), y: rng.randint(0, 3, 6), training: True}
mv = [v for v in v1.global_variables() if v.op.name == "batch_normalization/moving_variance"][0]
with v1.Session() as sess:
    sess.run(v1.global_variables_initializer())
    losses = [float(sess.run([loss, train], feed)[0]) for _ in range(2)]
    moved = bool(np.any(sess.run(mv) != 1.0))
print(json.dumps({"losses": losses, "moved": moved,
                  "shape": h.shape.as_list(),
                  "names": [v.op.name for v in v1.global_variables()],
                  "ref": all(v.dtype.name.endswith("_ref") for v in v1.global_variables()),
                  "updates": len(v1.get_collection(v1.GraphKeys.UPDATE_OPS))}))
