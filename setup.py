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
    ],
    extras_require={
        "test": ["pytest", "mlxtend", "pandas"],
        "examples": ["matplotlib", "mlxtend"],
    },
    entry_points={"console_scripts": ["tfgraph-dnn = tfgraph_dnn.cli:main"]},
)
