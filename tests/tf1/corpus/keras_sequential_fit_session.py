"""tf.keras Sequential compiled with a tf.train optimizer and fit inside a TF1 Session."""
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
y = digits.target
X_train, y_train, X_test, y_test = X[:1500], y[:1500], X[1500:], y[1500:]

tf.reset_default_graph()
tf.set_random_seed(42)
np.random.seed(42)
sess = tf.Session()
tf.keras.backend.set_session(sess)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation='relu', input_shape=(64,)),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer=tf.train.AdamOptimizer(learning_rate=0.01),
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])
history = model.fit(X_train, y_train, epochs=5, batch_size=64, validation_split=0.1,
                    verbose=0)
test_loss, test_acc = model.evaluate(X_test, y_test, verbose=0)
predicted = np.argmax(model.predict(X_test), axis=1)

assert sorted(history.history.keys()) == ['acc', 'loss', 'val_acc', 'val_loss']
assert history.history['loss'][-1] < history.history['loss'][0]
assert test_acc > 0.85, test_acc
assert abs(np.mean(predicted == y_test) - test_acc) < 1e-6
variable_names = [v.name for v in tf.global_variables()]
assert 'dense/kernel:0' in variable_names and 'dense_1/bias:0' in variable_names
assert 'dense/kernel/Adam:0' in variable_names
sess.close()
print("keras_sequential_fit_session OK: test accuracy %.3f" % test_acc)
