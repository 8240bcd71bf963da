"""``tf.contrib`` of the ``tfgraph_dnn.tf1`` namespace: the parts tfgraph_dnn provides.

``layers``, ``framework``, ``losses``, ``metrics``, ``slim`` (its layer-building
part), ``distributions``, ``predictor`` and ``learn`` (``MetricSpec``, ``PredictionKey``,
``ModeKeys`` only) are :mod:`tfgraph_dnn.contrib`'s re-implementations, ``rnn`` is
:mod:`tfgraph_dnn.nn.rnn_cell` (the same module objects).  Each is also
importable by name (``import tfgraph_dnn.tf1.contrib.slim as slim``, ``from
tfgraph_dnn.tf1.contrib.distributions import Normal``).  Any other member
(``seq2seq``, ``tpu``, ``keras``...) raises an ``AttributeError`` saying it is not
provided; :data:`tfgraph_dnn.tf1_api.CONTRIB` is the list.
"""
from __future__ import annotations

import sys as _sys

from ... import tf1_api as _api

# Importable under this package's name too: ``from tfgraph_dnn.tf1.contrib.layers import ...``.
for _name in _api.CONTRIB:
    _sys.modules[f"{__name__}.{_name}"] = _api.contrib_member(_name)


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    member = _api.contrib_member(name)
    globals()[name] = member
    return member


def __dir__():
    return sorted(_api.CONTRIB)
