"""tf.keras.Sequential compiled with tf.train.AdamOptimizer and categorical_crossentropy on one-hot labels, then save/load weights."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

tf.set_random_seed(1)
np.random.seed(1)
digits = load_digits()
x_train = (digits.data[:1500] / 16.0).astype(np.float32)
x_test = (digits.data[1500:] / 16.0).astype(np.float32)
y_train = tf.keras.utils.to_categorical(digits.target[:1500], 10)
y_test = tf.keras.utils.to_categorical(digits.target[1500:], num_classes=10)

model = tf.keras.Sequential()
model.add(tf.keras.layers.Dense(64, activation=tf.nn.relu, input_shape=(64,)))
model.add(tf.keras.layers.Dense(32, activation="relu",
                                kernel_regularizer=tf.keras.regularizers.l2(1e-4)))
model.add(tf.keras.layers.Dense(10, activation=tf.nn.softmax))
model.compile(optimizer=tf.train.AdamOptimizer(1e-3),
              loss="categorical_crossentropy",
              metrics=["accuracy"])
model.summary(print_fn=lambda line: None)

history = model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0,
                    validation_data=(x_test, y_test))
loss, acc = model.evaluate(x_test, y_test, verbose=0)
probs = model.predict(x_test[:20])

weights_dir = tempfile.mkdtemp()
weights_path = os.path.join(weights_dir, "digits_weights.h5")
model.save_weights(weights_path)
clone = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation=tf.nn.relu, input_shape=(64,)),
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(10, activation=tf.nn.softmax),
])
clone.load_weights(weights_path)

assert model.output_shape == (None, 10)
assert len(model.losses) == 1
assert history.history["acc"][-1] > history.history["acc"][0]
assert history.history["val_loss"][-1] < history.history["val_loss"][0]
assert acc > 0.85, acc
assert probs.shape == (20, 10) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
assert np.allclose(clone.predict(x_test[:20]), probs, atol=1e-6)
shutil.rmtree(weights_dir)
print("keras_sequential_compile_train_optimizer_onehot OK: test accuracy %.3f" % acc)
