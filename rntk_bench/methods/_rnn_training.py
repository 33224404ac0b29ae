"""The trained finite RNN: the network whose infinite-width limit is the RNTK.

Network (RNTK.md s1, one layer): h_t = phi(W h_{t-1} + U x_t + b), f(x) = V h_T + c,
the read-out of the LAST state, with the RNTK's initial distribution:
W ~ N(0, sigma_w^2 / n), U ~ N(0, sigma_u^2 / m), b ~ N(0, sigma_b^2), h_0 ~ N(0,
sigma_h^2) (one initial state shared by every input, not trained, as in the kernel),
V ~ N(0, sigma_v^2 / n), c = 0; n = width, m = channels. At initialisation it is the
network of the RNTK/RNNGP; it is trained in the standard parameterisation (the
weights above are the trained variables; under RMSProp, whose steps do not depend on
the gradient's scale, the NTK parameterisation's factors sigma / sqrt(n) would only
rescale each layer's learning rate). Activations: ReLU and tanh. torch's fused
Elman RNN offers these two; tanh stands in for the kernel's erf (both are odd,
saturating, with slope 1 at 0 up to a factor 2 / sqrt(pi)).

Training: RMSProp (as the paper), cross-entropy over the classes (one read-out
output per class), mini-batches of 16 series, gradient norm clipped at 1 (ReLU
RNNs at the edge of stability otherwise blow up on long series), early stopping on a
validation part of the training split: a stratified 20% (at least one series per
class; classes with one series stay in training), the best epoch by validation
accuracy then loss is kept; training stops after ``patience`` epochs without
improvement or at ``max_epochs`` (8 and 40 by default: the cost target, ucr56 in
30 minutes on 2 cores, allows about 30 epochs per setting over the suite).

Unequal lengths: padded on the right and *packed* (``pack_padded_sequence``), so each
series runs from its own first step and its read-out is its own last state: the ends
are aligned, as in the kernel, and padding never enters the recurrence.

Selection (training split only): one network per grid setting, one initialisation
each (its seed recorded); the network with the best validation accuracy (then
validation loss, then grid order) is the final model, used as it is (no refit on
the validation part), and the test split is predicted once, by that network. With no
validation data (every class has one series) every setting ties and the grid
centre is used (:mod:`.fallback`), as for the kernels.

torch is an optional extra, imported when the method runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench.errors import InputError

__all__ = ["RNN_GRIDS", "TrainOptions", "fit_rnn", "require_torch", "validation_split"]

_SQRT2 = math.sqrt(2.0)

#: The method's grids, by the run's grid name. "paper" is the stated default (the paper
#: does not give its RNN's grid): learning rate x sigma_w (the RNTK grid's centre,
#: sqrt(2), and 1), width 128, 4 settings; "quick" one small setting for demos and CI.
RNN_GRIDS: dict[str, dict[str, tuple[Any, ...]]] = {
    "paper": {
        "width": (128,),
        "lr": (3e-4, 1e-3),
        "sigma_w": (1.0, _SQRT2),
        "sigma_u": (1.0,),
        "sigma_b": (0.1,),
        "sigma_h": (0.5,),
        "activation": ("relu",),
    },
    "quick": {
        "width": (32,),
        "lr": (1e-3,),
        "sigma_w": (1.0,),
        "sigma_u": (1.0,),
        "sigma_b": (0.1,),
        "sigma_h": (0.5,),
        "activation": ("relu",),
    },
}
_ACTIVATIONS = ("relu", "tanh")


@dataclass(frozen=True)
class TrainOptions:
    """Training options shared by every setting (part of a result's identity).

    Attributes
    ----------
    batch_size : int
    max_epochs : int
    patience : int
        Epochs without a better validation score before training stops.
    validation : float
        Fraction of the training split held out for early stopping and selection.
    clip : float
        Gradient norm clipping.
    sigma_v : float
        Read-out scale at initialisation.
    """

    batch_size: int = 16
    max_epochs: int = 40
    patience: int = 8
    validation: float = 0.2
    clip: float = 1.0
    sigma_v: float = 1.0


def require_torch() -> Any:
    """Import torch, or raise a one-line InputError naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise InputError(
            "the 'rnn' method needs torch: pip install 'rntk-bench[gpu]' (or make "
            "install-torch for the CPU build)."
        ) from None
    return torch


def validation_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (fit, validation) of a stratified hold-out of the training split.

    Classes with a single series stay in the fit part; the validation part holds at
    least one series of every class that has two or more. Empty validation when no
    class has two series.
    """
    y = np.asarray(y)
    labels, counts = np.unique(y, return_counts=True)
    several = labels[counts >= 2]
    pool = np.flatnonzero(np.isin(y, several))
    if pool.size == 0:
        return np.arange(len(y)), np.array([], dtype=np.int64)
    n_val = max(len(several), round(fraction * pool.size))
    n_val = min(n_val, pool.size - len(several))  # keep one of each class to fit on
    if n_val < len(several):
        return np.arange(len(y)), np.array([], dtype=np.int64)
    from sklearn.model_selection import StratifiedShuffleSplit  # lazy: listing methods stays light

    splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_val, random_state=seed)
    _, val_local = next(splitter.split(np.zeros(pool.size), y[pool]))
    validation = np.sort(pool[val_local])
    fit = np.setdiff1d(np.arange(len(y)), validation)
    return fit, validation


def _sequences(X: Any) -> list[np.ndarray]:
    """(n_cases, n_channels, T) or list of (n_channels, t_i) -> list of (t_i, n_channels)."""
    rows = X if isinstance(X, list) else list(np.asarray(X))
    return [np.ascontiguousarray(np.asarray(s, dtype=np.float32).T) for s in rows]


class _Batcher:
    """Right-padded batches with their lengths, for pack_padded_sequence."""

    def __init__(self, torch: Any, sequences: list[np.ndarray]) -> None:
        self.torch = torch
        self.lengths = np.array([len(s) for s in sequences])
        width = int(self.lengths.max())
        padded = np.zeros((len(sequences), width, sequences[0].shape[1]), dtype=np.float32)
        for i, s in enumerate(sequences):
            padded[i, : len(s)] = s
        self.padded = torch.from_numpy(padded)
        self.equal = bool((self.lengths == width).all())

    def batch(self, index: np.ndarray) -> Any:
        torch = self.torch
        x = self.padded[torch.from_numpy(index)]
        if self.equal:
            return x
        lengths = self.lengths[index]
        x = x[:, : int(lengths.max())]
        return torch.nn.utils.rnn.pack_padded_sequence(
            x, torch.from_numpy(lengths), batch_first=True, enforce_sorted=False
        )


def _build(torch: Any, setting: dict[str, Any], n_in: int, n_out: int, options: TrainOptions):
    """The RNN with the RNTK's initial distribution (see the module docstring)."""
    width = int(setting["width"])
    activation = str(setting.get("activation", "relu"))
    if activation not in _ACTIVATIONS:
        raise InputError(
            f"rnn activation must be one of {', '.join(_ACTIVATIONS)}; got {activation!r}."
        )

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = torch.nn.RNN(n_in, width, nonlinearity=activation, batch_first=True)
            self.readout = torch.nn.Linear(width, n_out)
            sw, su = float(setting["sigma_w"]), float(setting.get("sigma_u", 1.0))
            sb, sh = float(setting.get("sigma_b", 0.0)), float(setting.get("sigma_h", 0.0))
            with torch.no_grad():
                self.rnn.weight_hh_l0.normal_(0.0, sw / math.sqrt(width))
                self.rnn.weight_ih_l0.normal_(0.0, su / math.sqrt(n_in))
                self.rnn.bias_ih_l0.normal_(0.0, sb) if sb > 0 else self.rnn.bias_ih_l0.zero_()
                self.rnn.bias_hh_l0.zero_()
                self.readout.weight.normal_(0.0, options.sigma_v / math.sqrt(width))
                self.readout.bias.zero_()
            # One initial state shared by every input, drawn once, not trained (RNTK.md s1).
            self.register_buffer("h0", torch.randn(1, 1, width) * sh)

        def forward(self, x: Any) -> Any:
            n = x.batch_sizes[0] if hasattr(x, "batch_sizes") else x.shape[0]
            h0 = self.h0.expand(1, int(n), width).contiguous()
            _, h_last = self.rnn(x, h0)  # each series' own last state (packed)
            return self.readout(h_last[0])

    return Net()


def _evaluate(torch: Any, net: Any, data: _Batcher, index: np.ndarray, y: Any, batch: int):
    """(accuracy, mean cross-entropy) of ``net`` on the series ``index``."""
    net.eval()
    losses, correct = 0.0, 0
    with torch.no_grad():
        for lo in range(0, len(index), batch):
            part = index[lo : lo + batch]
            logits = net(data.batch(part))
            target = y[torch.from_numpy(part)]
            losses += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
            correct += int((logits.argmax(1) == target).sum())
    return correct / len(index), losses / len(index)


def _predict(torch: Any, net: Any, data: _Batcher, batch: int) -> np.ndarray:
    net.eval()
    out = []
    with torch.no_grad():
        for lo in range(0, len(data.lengths), batch):
            part = np.arange(lo, min(lo + batch, len(data.lengths)))
            out.append(net(data.batch(part)).argmax(1).numpy())
    return np.concatenate(out)


def _train_one(
    torch: Any,
    setting: dict[str, Any],
    seed: int,
    data: _Batcher,
    y: Any,
    fit: np.ndarray,
    validation: np.ndarray,
    n_in: int,
    n_out: int,
    options: TrainOptions,
) -> tuple[Any, dict[str, Any]]:
    """Train one network; returns it at its best validation epoch, and its record."""
    torch.manual_seed(seed)
    net = _build(torch, setting, n_in, n_out, options)
    optimiser = torch.optim.RMSprop(net.parameters(), lr=float(setting["lr"]))
    rng = np.random.default_rng(seed)
    best: tuple[float, float] = (-1.0, math.inf)
    best_state, best_epoch, epochs, diverged = None, 0, 0, False
    for epoch in range(1, options.max_epochs + 1):
        net.train()
        order = rng.permutation(fit)
        for lo in range(0, len(order), options.batch_size):
            part = order[lo : lo + options.batch_size]
            loss = torch.nn.functional.cross_entropy(
                net(data.batch(part)), y[torch.from_numpy(part)]
            )
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), options.clip)
            optimiser.step()
        epochs = epoch
        if not math.isfinite(float(loss.detach())):
            diverged = True
            break
        if validation.size:
            score = _evaluate(torch, net, data, validation, y, 256)
        else:  # nothing to validate on: the training loss decides when to stop
            score = (math.nan, _evaluate(torch, net, data, fit, y, 256)[1])
        key = (-1.0 if math.isnan(score[0]) else score[0], score[1])
        if key[0] > best[0] or (key[0] == best[0] and key[1] < best[1]):
            best, best_epoch = key, epoch
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
        elif epoch - best_epoch >= options.patience:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    record = {
        "seed": seed,
        "val_accuracy": None if not validation.size or best[0] < 0 else best[0],
        "val_loss": None if not math.isfinite(best[1]) else best[1],
        "best_epoch": best_epoch,
        "epochs": epochs,
        "diverged": diverged,
    }
    return net, record


def fit_rnn(
    X_train: Any,
    y_train: np.ndarray,
    X_test: Any,
    settings: Sequence[dict[str, Any]],
    *,
    seed: int = 0,
    options: TrainOptions | None = None,
    n_threads: int | None = None,
) -> dict[str, Any]:
    """Select an RNN on the training split, predict the test split once.

    Parameters
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    y_train : ndarray of shape (n_train,), int class codes 0..K-1
    settings : sequence of dict
        Grid settings: width, lr, sigma_w, sigma_u, sigma_b, sigma_h, activation.
    seed : int
        Seeds the validation split and, with the setting's index, each network.
    options : TrainOptions, optional
    n_threads : int, optional
        torch threads (1 when tasks run side by side).

    Returns
    -------
    dict with keys records (one per setting: seed, val_accuracy, val_loss, best_epoch,
    epochs, diverged, seconds), chosen (setting index), fallback (bool), y_pred
    (n_test,), n_fit, n_validation, train_seconds, predict_seconds.
    """
    torch = require_torch()
    from rntk_bench.svm import grid_centre

    options = options or TrainOptions()
    if n_threads is not None:
        torch.set_num_threads(int(n_threads))
    y_np = np.asarray(y_train, dtype=np.int64)
    n_out = int(max(y_np.max() + 1, 2))
    train_seqs, test_seqs = _sequences(X_train), _sequences(X_test)
    n_in = train_seqs[0].shape[1]
    data = _Batcher(torch, train_seqs)
    y = torch.from_numpy(y_np)
    fit, validation = validation_split(y_np, options.validation, seed)
    records, nets = [], []
    started = time.perf_counter()
    for index, setting in enumerate(settings):
        t0 = time.perf_counter()
        net, record = _train_one(
            torch, dict(setting), seed * 1000 + index, data, y, fit, validation, n_in, n_out,
            options,
        )  # fmt: skip
        record["seconds"] = time.perf_counter() - t0
        records.append(record)
        nets.append(net)
    train_seconds = time.perf_counter() - started
    fallback = validation.size == 0 and len(settings) > 1
    if fallback:
        chosen = grid_centre(list(settings), [1.0])[0]
    else:
        chosen = min(
            range(len(settings)),
            key=lambda i: (
                -(records[i]["val_accuracy"] or 0.0),
                records[i]["val_loss"] if records[i]["val_loss"] is not None else math.inf,
                i,
            ),
        )
    started = time.perf_counter()
    y_pred = _predict(torch, nets[chosen], _Batcher(torch, test_seqs), 256)
    return {
        "records": records,
        "chosen": chosen,
        "fallback": fallback,
        "y_pred": y_pred,
        "n_fit": int(fit.size),
        "n_validation": int(validation.size),
        "train_seconds": train_seconds,
        "predict_seconds": time.perf_counter() - started,
    }
