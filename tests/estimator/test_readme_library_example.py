"""The README's "Library use" example, as written, prints nothing of TensorFlow's (issue 22).

The example is read from README.md; only the data it leaves to the reader
(``X_train``, ``y_train``, ``X_test``) is inserted, after its own imports, so
its import order is what runs.  A fresh interpreter with
``TF_CPP_MIN_LOG_LEVEL`` unset, started in the background (``_background.py``): stderr
must be empty.  The example's ``log_dir`` made the TensorBoard writer set TensorFlow's devices up outside
the capture (a "failed call to cuInit" line on a machine without a GPU).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from _background import background
from _support import user_env

README = Path(__file__).resolve().parents[2] / "README.md"
DATA = ["from sklearn.datasets import load_digits",
        "X_train, y_train = load_digits(return_X_y=True)",
        "X_train = X_train * 16  # pixels of 0..255, as the example's feature_scaling says",
        "X_test = X_train[:10]"]


def library_example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```python\n", text.index("## Library use")) + len("```python\n")
    lines = text[start:text.index("```", start)].splitlines()
    imports = [index for index, line in enumerate(lines) if line.startswith(("from ", "import "))]
    assert imports[:2] == [0, 1], lines[:3]  # tfgraph_dnn first, then tensorflow
    return "\n".join(lines[:2] + DATA + lines[2:]) + "\n"


#: The example, run as a user runs it (a fresh interpreter, ``TF_CPP_MIN_LOG_LEVEL`` unset),
#: started in the background once the tests are collected.
EXAMPLE = background("readme_library_example", module=__file__, fixture="example",
                     command=[sys.executable, "example.py"], env=user_env(),
                     files={"example.py": library_example()})


@pytest.fixture(scope="module")
def example():
    return EXAMPLE


@pytest.mark.slow
def test_the_readme_library_example_is_quiet_as_written(example):
    result = example.result(timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert "Layer" in result.stdout  # the example's summary() table
    workdir = Path(example.workdir)
    assert (workdir / "logs").is_dir() and (workdir / "ckpt").is_dir()  # log_dir, checkpoints
