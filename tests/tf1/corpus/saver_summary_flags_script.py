"""Script style: tf.reset_default_graph() at the top, tf.app.flags + tf.app.run(), tf.summary.FileWriter, tf.train.Saver save/restore/import_meta_graph."""
import glob
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

tf.reset_default_graph()

flags = tf.app.flags
flags.DEFINE_integer("train_steps", 30, "Number of training steps.")
flags.DEFINE_float("learning_rate", 0.1, "Initial learning rate.")
flags.DEFINE_string("workdir", "", "Where checkpoints and summaries go (default: a temp dir).")
FLAGS = flags.FLAGS


def build_graph():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.variable_scope("linear"):
        weights = tf.get_variable("weights", [3, 1], initializer=tf.zeros_initializer())
        bias = tf.get_variable("bias", [1], initializer=tf.zeros_initializer())
    prediction = tf.add(tf.matmul(x, weights), bias, name="prediction")
    loss = tf.reduce_mean(tf.square(prediction - y), name="mse")
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.GradientDescentOptimizer(FLAGS.learning_rate).minimize(
        loss, global_step=global_step)
    tf.summary.scalar("loss", loss)
    tf.summary.histogram("weights", weights)
    return x, y, loss, train_op, global_step


def main(_):
    workdir = FLAGS.workdir or tempfile.mkdtemp(prefix="tf1_saver_")
    try:
        rng = np.random.RandomState(0)
        X = rng.randn(128, 3).astype(np.float32)
        Y = (X.dot(np.array([[1.5], [-2.0], [0.5]])) + 0.3).astype(np.float32)

        x, y, loss, train_op, global_step = build_graph()
        merged = tf.summary.merge_all()
        saver = tf.train.Saver(max_to_keep=2)
        with tf.Session() as sess:
            writer = tf.summary.FileWriter(os.path.join(workdir, "train"), sess.graph)
            sess.run(tf.global_variables_initializer())
            first_loss = sess.run(loss, {x: X, y: Y})
            for _ in range(FLAGS.train_steps):
                summary, _, step = sess.run([merged, train_op, global_step], {x: X, y: Y})
                writer.add_summary(summary, step)
            writer.flush()
            writer.close()
            final_loss = sess.run(loss, {x: X, y: Y})
            saved_path = saver.save(sess, os.path.join(workdir, "model.ckpt"),
                                    global_step=global_step)
            saved_values = {v.op.name: sess.run(v) for v in tf.global_variables()}

        assert final_loss < 0.1 * first_loss, (first_loss, final_loss)
        assert saved_path.endswith("model.ckpt-%d" % FLAGS.train_steps), saved_path
        assert tf.train.latest_checkpoint(workdir) == saved_path
        assert glob.glob(os.path.join(workdir, "train", "events.out.tfevents.*"))
        in_ckpt = dict(tf.train.list_variables(saved_path))
        assert in_ckpt["linear/weights"] == [3, 1], in_ckpt
        assert "global_step" in in_ckpt, in_ckpt

        # 1) restore into a rebuilt graph
        tf.reset_default_graph()
        x, y, loss, train_op, global_step = build_graph()
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, saved_path)
            for name, value in saved_values.items():
                restored = sess.run(tf.get_default_graph().get_tensor_by_name(name + ":0"))
                assert np.array_equal(restored, value), name
            assert sess.run(global_step) == FLAGS.train_steps

        # 2) restore from the meta graph alone
        tf.reset_default_graph()
        with tf.Session() as sess:
            loader = tf.train.import_meta_graph(saved_path + ".meta")
            loader.restore(sess, saved_path)
            graph = tf.get_default_graph()
            pred = graph.get_tensor_by_name("prediction:0")
            x_in = graph.get_tensor_by_name("x:0")
            out = sess.run(pred, {x_in: X[:4]})
        expected = X[:4].dot(saved_values["linear/weights"]) + saved_values["linear/bias"]
        assert np.allclose(out, expected, atol=1e-5)
        print("saver_summary_flags_script OK: loss %.4f -> %.4f, restored %d variables"
              % (first_loss, final_loss, len(saved_values)))
    finally:
        if not FLAGS.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    tf.app.run()
