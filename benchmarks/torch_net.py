"""The skorch peer's PyTorch module: the benchmark's net as a ``torch.nn.Module``.

Its own file so that ``peers.py`` imports no PyTorch until the skorch peer is made, while
the class still lives at module level (skorch's ``clone()`` and pickling need that).
Imports ``torch``: import this module only when torch is installed.
"""
from __future__ import annotations

from typing import List

import torch


class TorchMLP(torch.nn.Module):
    """``n_hidden`` x ``n_units`` ReLU (He-normal weights, zero biases) -> logits."""

    def __init__(self, n_features: int = 784, n_classes: int = 10, n_hidden: int = 5,
                 n_units: int = 100, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        layers: List[torch.nn.Module] = []
        width = n_features
        for _ in range(n_hidden):
            dense = torch.nn.Linear(width, n_units)
            torch.nn.init.kaiming_normal_(dense.weight, nonlinearity="relu")
            torch.nn.init.zeros_(dense.bias)
            layers += [dense, torch.nn.ReLU()]
            width = n_units
        layers.append(torch.nn.Linear(width, n_classes))
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.layers(X)
