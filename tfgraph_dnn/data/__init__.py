"""Data: offline data sets, user files (CSV, NPZ), MNIST's idx files, feature names.

Room: ``data``; NumPy only (TensorFlow is never imported here), so the command
line reads and checks data before it imports TensorFlow.

* :mod:`.datasets` -- ``digits``, ``mnist-5k`` and ``mnist`` (a directory of
  the official idx files): :func:`load_raw_dataset` gives raw features and the
  scaling that suits them, :func:`load_dataset` the scaled ones;
* :mod:`.files` -- user files by extension (:mod:`.csvfile`, :mod:`.npzfile`);
* :mod:`.idx` -- the idx reader (:func:`load_mnist_idx`);
* :mod:`.features` -- columns matched by name to a model's fitted order.
"""
from .datasets import (DATASETS, load_dataset, load_digits_dataset, load_mnist_5k,
                       load_raw_dataset)
from .files import load_file, read_data_file
from .idx import load_mnist_idx, read_idx

__all__ = ["DATASETS", "load_dataset", "load_digits_dataset", "load_file", "load_mnist_5k",
           "load_mnist_idx", "load_raw_dataset", "read_data_file", "read_idx"]
