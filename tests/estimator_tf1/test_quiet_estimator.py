"""An Estimator's train / evaluate / predict / export print nothing in a fresh process."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.slow
def test_no_output_without_tf_cpp_min_log_level(tmp_path):
    here = Path(__file__).resolve().parent
    script = SCRIPT.format(tests=str(here), model_dir=str(tmp_path / "m"),
                           export=str(tmp_path / "export"))
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(here.parents[1]),
                                                      os.environ.get("PYTHONPATH")]))
    # Import tfgraph_dnn first, as a user of the package would, so TensorFlow's own
    # import-time notices are the package's to hide.
    done = subprocess.run([sys.executable, "-c", "import tfgraph_dnn.estimator_tf1\n" + script],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "" and done.stderr == "", done.stderr[-3000:]
