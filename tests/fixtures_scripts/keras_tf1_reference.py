"""Write tests/keras_tf1/data/keras_tf1_reference.json with TF 2.15's tf.compat.v1.keras (Keras 2).

Run once with the TF 2.15 venv (never a dependency of the package):

    /work/venv215/bin/python tests/fixtures_scripts/keras_tf1_reference.py

TF 2.15 with ``disable_v2_behavior()`` runs tf.keras' v1 graph code path, as TF 1.15
did.  The test tests/keras_tf1/test_reference.py calls :func:`measure` with
tfgraph_dnn.keras_tf1; weights are set to fixed values, so outputs, losses and
variable names can be compared exactly (to float tolerance).
"""
import json
import os

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1
OUT = os.path.join(os.path.dirname(__file__), "..", "keras_tf1", "data",
                   "keras_tf1_reference.json")


def fixed(shape, offset):
    """Deterministic weights: a smooth pattern in [-0.5, 0.5]."""
    n = int(np.prod(shape))
    return (np.sin(np.arange(n) * 0.7 + offset) * 0.5).reshape(shape).astype("float32")


def set_fixed(model):
    """Fixed weights; moving variances kept positive."""
    values = []
    for i, weight in enumerate(model.weights):
        value = fixed(weight.shape.as_list(), i)
        values.append(np.abs(value) + 0.5 if "variance" in weight.name else value)
    model.set_weights(values)


def measure(keras) -> dict:
    """Build the reference models with ``keras`` (tf.keras or tfgraph_dnn.keras_tf1)."""
    rng = np.random.RandomState(0)
    x_dense = rng.rand(6, 5).astype("float32")
    x_image = rng.rand(2, 6, 6, 2).astype("float32")
    y_sparse = np.array([0, 1, 2, 1, 0, 2])
    y_onehot = np.eye(3, dtype="float32")[y_sparse]
    y_binary = np.array([[0.], [1.]], "float32")
    result = {"inputs": {"dense": x_dense.tolist(), "image": x_image.tolist(),
                         "sparse": y_sparse.tolist(), "binary": y_binary.tolist()}}
    with tf.Graph().as_default():
        mlp = keras.Sequential([
            keras.layers.Dense(4, activation="relu", input_shape=(5,)),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(3, activation="softmax"),
        ])
        inp = keras.Input(shape=(6, 6, 2))
        h = keras.layers.Conv2D(3, 3, activation="relu", padding="same")(inp)
        h = keras.layers.MaxPooling2D()(h)
        a = keras.layers.AveragePooling2D()(h)
        h = keras.layers.Flatten()(a)
        h = keras.layers.concatenate([h, keras.layers.Dense(2)(h)])
        out = keras.layers.Dense(1, activation="sigmoid")(h)
        cnn = keras.Model(inp, out)
        x = v1.placeholder(tf.float32, [None, 5])
        deferred = keras.Sequential([keras.layers.Dense(2), keras.layers.LeakyReLU()])
        deferred_out = deferred(x)
        emb = keras.layers.Embedding(7, 3)
        ids = v1.placeholder(tf.int32, [None, 2])
        emb_out = emb(ids)
        sess = keras.backend.get_session()
        for model in (mlp, cnn, deferred):
            set_fixed(model)
        emb.set_weights([fixed((7, 3), 9)])
        result["variables"] = [[v.name, v.shape.as_list(), v in v1.trainable_variables()]
                               for v in v1.global_variables()]
        result["mlp_predict"] = mlp.predict(x_dense).tolist()
        result["cnn_predict"] = cnn.predict(x_image).tolist()
        result["deferred_output"] = sess.run(deferred_out, {x: x_dense}).tolist()
        result["embedding_output"] = sess.run(emb_out, {ids: [[1, 6], [0, 3]]}).tolist()
        result["output_names"] = [mlp.output.name, cnn.output.name, deferred_out.name]
        mlp.compile(optimizer=v1.train.GradientDescentOptimizer(0.1),
                    loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        result["mlp_evaluate_sparse"] = mlp.evaluate(x_dense, y_sparse, verbose=0)
        mlp.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["acc", "mae"])
        result["mlp_metrics_names"] = mlp.metrics_names
        result["mlp_evaluate_onehot"] = mlp.evaluate(x_dense, y_onehot, verbose=0)
        cnn.compile(optimizer=v1.train.AdamOptimizer(0.01), loss="binary_crossentropy",
                    metrics=["accuracy"])
        result["cnn_evaluate"] = cnn.evaluate(x_image, y_binary, verbose=0)
        history = cnn.fit(x_image, y_binary, epochs=1, batch_size=2, verbose=0,
                          validation_data=(x_image, y_binary), shuffle=False)
        result["cnn_history_keys"] = sorted(history.history)
        result["variables_after_fit"] = sorted(v.name for v in v1.global_variables())
        left = keras.Input(shape=(5,))
        shared = keras.layers.Dense(3, activation="tanh")(left)
        head_a = keras.layers.Dense(3, activation="softmax", name="head_a")(shared)
        head_b = keras.layers.Dense(1, name="head_b")(shared)
        two = keras.Model(left, [head_a, head_b])
        set_fixed(two)
        two.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"],
                    loss_weights=[1.0, 0.5], metrics=["accuracy"])
        result["two_metrics_names"] = two.metrics_names
        result["two_evaluate"] = two.evaluate(x_dense, [y_sparse, x_dense[:, :1]], verbose=0)
        result["two_predict"] = [p.tolist() for p in two.predict(x_dense)]
        result["update_ops"] = len(v1.get_collection(v1.GraphKeys.UPDATE_OPS))
        result["regularization_losses"] = len(
            v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES))
    return result


def main():
    tf.compat.v1.disable_v2_behavior()
    result = measure(tf.compat.v1.keras)
    with open(OUT, "w") as handle:
        json.dump(result, handle, indent=1, default=float)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
