"""Run by the shared TF1-mode process for tests/contrib/test_layers_framework.py: contrib
layers under arg_scope train after ``disable_v2_behavior()``; prints ``OK <n regularizers>``."""
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
from tfgraph_dnn.contrib import framework, layers
v1 = tf.compat.v1
x = v1.placeholder(tf.float32, [None, 6, 6, 1])
y = v1.placeholder(tf.int64, [None])
training = v1.placeholder_with_default(False, [])
assert isinstance(x.shape[1], v1.Dimension)
with framework.arg_scope([layers.conv2d, layers.fully_connected],
                         normalizer_fn=layers.batch_norm,
                         normalizer_params={"is_training": training,
                                            "updates_collections": None, "decay": 0.5},
                         weights_regularizer=layers.l2_regularizer(1e-3)):
    net = layers.conv2d(x, 4, 3)
    net = layers.flatten(layers.max_pool2d(net, 2))
    net = layers.dropout(layers.fully_connected(net, 8), 0.8, is_training=training)
    logits = layers.fully_connected(net, 3, activation_fn=None, normalizer_fn=None)
loss = v1.losses.sparse_softmax_cross_entropy(y, logits) + v1.losses.get_regularization_loss()
step = framework.get_or_create_global_step()
train = v1.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
moving = framework.get_unique_variable("Conv/BatchNorm/moving_mean")
assert "Resource" not in type(moving).__name__
rng = np.random.RandomState(0)
feed = {x: rng.rand(4, 6, 6, 1), y: [0, 1, 2, 0], training: True}
with v1.Session() as s:
    s.run(v1.global_variables_initializer())
    before = s.run(moving)
    losses = [s.run([train, loss], feed)[1] for _ in range(2)]
    assert s.run(step) == 2 and np.all(np.isfinite(losses))
    assert not np.allclose(before, s.run(moving))
    print("OK", len(v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES)))
