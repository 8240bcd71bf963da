"""Write tests/keras_tf1/data/sequential_bn_weights.h5 (+ .npz) with TF 2.15's tf.compat.v1.keras.

Run once with the TF 2.15 venv (never a dependency of the package):

    /work/venv215/bin/python tests/fixtures_scripts/keras_tf1_hdf5_weights.py

A Sequential Dense-BatchNormalization-Dense model in graph mode (TF 1.15's code path)
with fixed weights saved by ``model.save_weights("....h5")``; the ``.npz`` holds an
input batch and the model's inference outputs, which a model loading the file must
reproduce.
"""
import os

import numpy as np
import tensorflow as tf

tf.compat.v1.disable_v2_behavior()
keras = tf.compat.v1.keras
DATA = os.path.join(os.path.dirname(__file__), "..", "keras_tf1", "data")


def main():
    model = keras.Sequential([
        keras.layers.Dense(5, activation="relu", input_shape=(4,)),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(3, activation="softmax"),
    ])
    values = []
    for i, weight in enumerate(model.weights):
        n = int(np.prod(weight.shape.as_list()))
        value = (np.sin(np.arange(n) * 0.9 + i) * 0.5).reshape(weight.shape.as_list())
        values.append(np.abs(value) + 0.5 if "variance" in weight.name else value)
    model.set_weights(values)
    x = np.random.RandomState(0).randn(6, 4).astype("float32")
    model.save_weights(os.path.join(DATA, "sequential_bn_weights.h5"))
    np.savez(os.path.join(DATA, "sequential_bn_weights.npz"), x=x, y=model.predict(x))


if __name__ == "__main__":
    main()
