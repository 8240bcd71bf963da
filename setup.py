"""Packaging for tfgraph_dnn."""
from setuptools import find_packages, setup

setup(
    name="tfgraph_dnn",
    version="0.1.0",
    description=("TensorFlow 1 graph-mode deep nets (tf.layers / tf.contrib drop-ins) on "
                 "TensorFlow >= 2.16, behind a scikit-learn estimator."),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["tfgraph_dnn", "tfgraph_dnn.*"]),
    python_requires=">=3.9",
    install_requires=[
        "tensorflow>=2.16",
        "scikit-learn>=1.6",
        "numpy",
        "tensorboard",
        "tqdm",
        "libcst>=1.0",
    ],
    extras_require={
        # joblib >= 1.3: parallel_config; dask[distributed]: joblib's "dask" backend
        # (tests/test_model_selection.py, examples/dask_search.py).
        "test": ["pytest", "mlxtend", "pandas", "joblib>=1.3", "dask[distributed]"],
        "examples": ["matplotlib", "mlxtend", "joblib>=1.3", "dask[distributed]"],
        "dask": ["joblib>=1.3", "dask[distributed]"],
    },
    entry_points={"console_scripts": ["tfgraph-dnn = tfgraph_dnn.cli:main"]},
)
