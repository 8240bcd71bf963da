"""TensorFlow imported lazily inside functions (module-level code never imports it), incl. a from-import of contrib layers."""
import numpy as np


def build_model(n_features, n_classes):
    import tensorflow as tf
    from tensorflow.contrib.layers import fully_connected, xavier_initializer

    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(8)
        x = tf.placeholder(tf.float32, [None, n_features], name="x")
        y = tf.placeholder(tf.int32, [None], name="y")
        hidden = fully_connected(x, 32, weights_initializer=xavier_initializer(), scope="hidden")
        logits = fully_connected(hidden, n_classes, activation_fn=None, scope="logits")
        loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))
        init = tf.global_variables_initializer()
    return graph, dict(x=x, y=y, loss=loss, train=train, accuracy=accuracy, init=init)


def train_and_score(X, y, steps=150):
    import tensorflow as tf

    graph, ops = build_model(X.shape[1], int(y.max()) + 1)
    with tf.Session(graph=graph) as sess:
        sess.run(ops["init"])
        for _ in range(steps):
            sess.run(ops["train"], {ops["x"]: X, ops["y"]: y})
        acc = sess.run(ops["accuracy"], {ops["x"]: X, ops["y"]: y})
        names = [v.op.name for v in graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)]
    return acc, names


def make_blobs(rng, n=300):
    centers = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    labels = rng.randint(0, 3, n)
    points = centers[labels] + rng.randn(n, 2)
    return points.astype(np.float32), labels.astype(np.int32)


if __name__ == "__main__":
    X, y = make_blobs(np.random.RandomState(0))
    acc, names = train_and_score(X, y)
    assert names == ["hidden/weights", "hidden/biases", "logits/weights", "logits/biases"], names
    assert acc > 0.9, acc
    print("import_inside_function OK: training accuracy %.3f" % acc)
