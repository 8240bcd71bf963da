"""TensorFlow as this package imports it: importing this module imports TensorFlow quietly.

The first import of each of our TensorFlow-using subpackages (``layers``, ``contrib``,
``estimator``, ``training``) and modules (``model``, ``knobs``) is this one, so when this package
is the process's first importer of TensorFlow its start-up notices are hidden (see
:mod:`tfgraph_dnn._quiet`); when the user imported TensorFlow first, nothing changes.
"""
from ._quiet import import_quietly

tensorflow = import_quietly()
