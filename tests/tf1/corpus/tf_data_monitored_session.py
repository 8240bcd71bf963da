"""tf.data input pipeline (make_one_shot_iterator / make_initializable_iterator) feeding tf.layers, trained with MonitoredTrainingSession + hooks."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits


def model_fn(features, reuse=False):
    with tf.variable_scope("model", reuse=reuse):
        net = tf.layers.dense(features, 64, activation=tf.nn.relu, name="fc1")
        return tf.layers.dense(net, 10, name="logits")


def main():
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    X_train, y_train, X_test, y_test = X[:1500], y[:1500], X[1500:], y[1500:]
    ckpt_dir = tempfile.mkdtemp(prefix="tf1_monitored_")
    try:
        tf.set_random_seed(0)
        dataset = tf.data.Dataset.from_tensor_slices((X_train, y_train))
        dataset = dataset.shuffle(buffer_size=1500, seed=0).repeat().batch(64)
        iterator = dataset.make_one_shot_iterator()
        features, labels = iterator.get_next()
        assert features.get_shape().as_list() == [None, 64]

        logits = model_fn(features)
        loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
        global_step = tf.train.get_or_create_global_step()
        train_op = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=global_step)

        hooks = [tf.train.StopAtStepHook(last_step=80), tf.train.NanTensorHook(loss)]
        losses = []
        with tf.train.MonitoredTrainingSession(checkpoint_dir=ckpt_dir, hooks=hooks,
                                               save_summaries_steps=None,
                                               save_checkpoint_secs=None,
                                               save_checkpoint_steps=40,
                                               log_step_count_steps=None) as mon_sess:
            while not mon_sess.should_stop():
                _, loss_value = mon_sess.run([train_op, loss])
                losses.append(loss_value)

        assert len(losses) == 80, len(losses)
        assert np.mean(losses[-10:]) < np.mean(losses[:10])
        latest = tf.train.latest_checkpoint(ckpt_dir)
        assert latest is not None and latest.endswith("-80"), latest

        # evaluation graph: an initializable iterator over placeholders, run to exhaustion
        x_ph = tf.placeholder(tf.float32, [None, 64])
        y_ph = tf.placeholder(tf.int64, [None])
        eval_ds = tf.data.Dataset.from_tensor_slices((x_ph, y_ph)).batch(100)
        eval_iter = eval_ds.make_initializable_iterator()
        ex, ey = eval_iter.get_next()
        eval_logits = model_fn(ex, reuse=True)
        n_correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(eval_logits, 1), ey), tf.int32))

        saver = tf.train.Saver()
        correct = 0
        with tf.Session() as sess:
            saver.restore(sess, latest)
            sess.run(eval_iter.initializer, {x_ph: X_test, y_ph: y_test})
            batches = 0
            while True:
                try:
                    correct += sess.run(n_correct)
                    batches += 1
                except tf.errors.OutOfRangeError:
                    break
            assert sess.run(global_step) == 80
        assert batches == 3, batches
        accuracy = correct / float(len(y_test))
        assert accuracy > 0.8, accuracy
        print("tf_data_monitored_session OK: %d steps, test accuracy %.3f" % (len(losses), accuracy))
    finally:
        shutil.rmtree(ckpt_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
