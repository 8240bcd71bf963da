"""An Estimator's train / evaluate / predict / export print nothing in a fresh process
(a background process, ``_background.background``, started once the tests are collected)."""
import os
import sys
from pathlib import Path

import pytest

from _support import user_env
from _background import background

SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import tensorflow as tf
from tfgraph_dnn import estimator_tf1 as est
from _est_models import regression_data, regression_fn
x, y = regression_data()
e = est.Estimator(regression_fn, model_dir={model_dir!r})
e.train(est.inputs.numpy_input_fn({{"x": x}}, y, shuffle=True))
e.evaluate(est.inputs.numpy_input_fn({{"x": x}}, y, shuffle=False))
list(e.predict(est.inputs.numpy_input_fn({{"x": x}}, shuffle=False)))
e.export_saved_model({export!r}, est.export.build_raw_serving_input_receiver_fn(
    {{"x": tf.zeros([1, 3])}}))
assert tf.executing_eagerly()
"""


HERE = Path(__file__).resolve().parent
# Import tfgraph_dnn first, as a user of the package would, so TensorFlow's own
# import-time notices are the package's to hide.
PROCESS = background(
    "quiet_estimator", module=__file__, fixture="quiet_run",
    command=[sys.executable, "-c", "import tfgraph_dnn.estimator_tf1\n" + SCRIPT.format(
        tests=str(HERE), model_dir="m", export="export")],
    env=user_env(PYTHONPATH=os.pathsep.join(filter(None, [str(HERE.parents[1]),
                                                         os.environ.get("PYTHONPATH")]))))


@pytest.fixture
def quiet_run():
    return PROCESS.result()


@pytest.mark.slow
def test_no_output_without_tf_cpp_min_log_level(quiet_run):
    done = quiet_run
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "" and done.stderr == "", done.stderr[-3000:]
