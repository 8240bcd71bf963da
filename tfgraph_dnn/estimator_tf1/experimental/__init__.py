"""``tf.estimator.experimental``: the early-stopping hooks (other members not provided)."""
from ..early_stopping import (make_early_stopping_hook, stop_if_higher_hook,  # noqa: F401
                              stop_if_lower_hook, stop_if_no_decrease_hook,
                              stop_if_no_increase_hook)

__all__ = ["make_early_stopping_hook", "stop_if_higher_hook", "stop_if_lower_hook",
           "stop_if_no_decrease_hook", "stop_if_no_increase_hook"]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"tf.estimator.experimental.{name} is not provided by tfgraph_dnn "
                         f"(module {__name__!r} has no attribute {name!r})")
