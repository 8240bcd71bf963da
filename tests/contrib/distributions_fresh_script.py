"""Run first by a TF1 runner process (tensorflow imported, tfgraph_dnn not yet) for
tests/contrib/test_distributions.py: ``contrib.distributions`` is imported lazily, and
``import tfgraph_dnn.tf1`` then serves that same module as ``tf.contrib.distributions``."""
import sys

import tfgraph_dnn.contrib as c

assert "tfgraph_dnn.contrib.distributions" not in sys.modules
ds = c.distributions
import tfgraph_dnn.tf1 as tf  # noqa: E402

assert tf.contrib.distributions is ds
assert sys.modules["tfgraph_dnn.tf1.contrib.distributions"] is ds
from tfgraph_dnn.tf1.contrib.distributions import MultivariateNormalDiag  # noqa: E402

assert MultivariateNormalDiag is ds.MultivariateNormalDiag
print("OK")
