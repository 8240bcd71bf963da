"""``tf.contrib`` of the ``tfgraph_dnn.tf1`` namespace: the parts tfgraph_dnn provides.

``layers`` and ``framework`` are :mod:`tfgraph_dnn.contrib`'s re-implementations
(the same module objects); ``distributions`` is TF1's ``tf.distributions``.  Each
is also importable by name (``import tfgraph_dnn.tf1.contrib.layers as layers``,
``from tfgraph_dnn.tf1.contrib.distributions import Normal``).  Any other member (``rnn``,
``slim``, ``learn``...) raises an ``AttributeError`` saying it is not provided;
:data:`tfgraph_dnn.tf1_api.CONTRIB` is the list.
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
