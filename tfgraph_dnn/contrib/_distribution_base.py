"""What the contrib distributions share: TF's ``Distribution`` machinery without its notices.

TF's ``Distribution.__init__``, ``RegisterKL`` and ``kl_divergence`` print "moved
to TensorFlow Probability" (true of TF's classes, misleading for ours), so the
contrib classes call them undecorated.
"""
from __future__ import annotations

from tensorflow.compat.v1.distributions import Distribution, RegisterKL, kl_divergence

_BASE_INIT = getattr(Distribution.__init__, "__wrapped__", Distribution.__init__)
kl_divergence = getattr(kl_divergence, "__wrapped__", kl_divergence)  # same function, no notice


def _register_kl(type_a: type, type_b: type) -> RegisterKL:
    """``RegisterKL(type_a, type_b)`` without its import-time deprecation notice."""
    registrar = RegisterKL.__new__(RegisterKL)
    getattr(RegisterKL.__init__, "__wrapped__", RegisterKL.__init__)(registrar, type_a, type_b)
    return registrar
