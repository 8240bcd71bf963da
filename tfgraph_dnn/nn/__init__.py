"""The parts of TF1's ``tf.nn`` that TensorFlow 2 lost: :mod:`.rnn_cell`.

The rest of ``tf.nn`` is ``tf.compat.v1.nn``; ``import tfgraph_dnn.tf1 as tf``
serves ``tf.nn`` as that module with ``rnn_cell`` replaced by this package's.
"""
