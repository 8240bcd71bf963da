"""Run by the shared TF1-mode process for tests/migrate/test_migrate.py: ``tfgraph-dnn
migrate`` checks names against the real API, then the migrated program runs (in TF1 mode).

Works in a fresh temporary directory; what it prints is asserted on by the test.
"""
import os
import runpy
import tempfile
import textwrap

from tfgraph_dnn.cli import main

PROGRAM = textwrap.dedent("""\
    import numpy as np
    import tensorflow as tf
    from tensorflow.contrib.layers import fully_connected
    from tensorflow.contrib.framework import arg_scope

    tf.reset_default_graph()
    X = tf.placeholder(tf.float32, shape=(None, 4), name="X")
    with arg_scope([fully_connected], activation_fn=tf.nn.relu):
        hidden = fully_connected(X, 8)
    logits = tf.layers.dense(hidden, 3)
    if False:
        tf.contrib.layers.no_such_layer(X)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print("shape", sess.run(logits, feed_dict={X: np.ones((2, 4))}).shape)
    """)

here = os.getcwd()
os.chdir(tempfile.mkdtemp())
try:
    with open("prog.py", "w", encoding="utf-8") as handle:
        handle.write(PROGRAM)
    assert main(["migrate", "prog.py", "-o", "out.py"]) == 0
    runpy.run_path("out.py", run_name="__main__")
finally:
    os.chdir(here)
