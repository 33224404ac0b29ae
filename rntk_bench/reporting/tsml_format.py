"""tsml-eval's classification result format, written directly: plain text, no tsml-eval.

The text is what tsml-eval's ``write_classification_results`` (tsml-eval 0.6,
``tsml_eval/utils/results_writing.py``) writes for a test split, so that its
``load_classifier_results`` and evaluation read the files as their own (tested in
the ecosystem environment, byte for byte against tsml-eval's writer)::

    line 1   <dataset>,<method>,TEST,<resample>,MILLISECONDS,<comment>
    line 2   parameter information (free text on one line)
    line 3   <accuracy>,<fit ms>,<predict ms>,-1,-1,<n classes>,,-1,-1
    line 4+  <true code>,<predicted code>,,<p_0>,...,<p_(c-1)>    one row per test case

On line 3, -1 stands for "not measured" (benchmark time, memory) and the empty field
and the two last -1 are the train-estimate method and times, which a test file lacks.
The loader reads the number of classes from line 3 and the probabilities from the
rows; it checks that each row sums to 1 and that line 3's accuracy equals the rows'.
Floats are written as tsml-eval writes numpy floats: Python's shortest round-trip
``repr``. Names become path components and the first line's comma-separated fields,
so only plain names (:func:`name_problem`) are ever written.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rntk_bench.records import shared_mode

__all__ = [
    "NAME_RULE",
    "TsmlResult",
    "name_problem",
    "path_problem",
    "plain_name",
    "tsml_codes",
    "tsml_path",
    "write_text",
]

#: What a method or data-set name in a tsml-eval file may be, in words.
NAME_RULE = (
    "letters, digits and . _ + = ; - [ ] only, starting with a letter, a digit or _, "
    "at most 200 characters"
)
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+=;\[\]-]{0,199}")
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._+=;\[\]-]")


def name_problem(name: object) -> str:
    """Why ``name`` cannot be a method or data-set name in a tsml-eval file ("" if it can).

    A plain name is one path component (no ``/`` or ``\\``, not ``.`` or ``..``, not
    absolute) and one field of tsml-eval's comma-separated first line (no comma, no
    space, no control character): :data:`NAME_RULE`.
    """
    if not isinstance(name, str) or not name:
        return f"a name must be a non-empty text; got {name!r}"
    if _PLAIN.fullmatch(name) is None:
        return f"{name!r} is not a plain name ({NAME_RULE})"
    return ""


def path_problem(name: str) -> str:
    """Why a name read from a result file is refused outright ("" when it can be mapped).

    A name that is empty, ``.`` or ``..``, holds a path separator (so also every
    absolute path) or a control character, or is longer than 200 characters: no run
    writes such a name, so the file was edited or comes from elsewhere.
    """
    if name in ("", ".", "..") or "/" in name or "\\" in name:
        return f"{name!r} is a path, not a name"
    if any(ord(c) < 32 or ord(c) == 127 for c in name) or len(name) > 200:
        return f"{name!r} holds control characters or is longer than 200 characters"
    return ""


def plain_name(name: str) -> str:
    """A name read from a result file, made plain: every other character becomes ``_``.

    Registered names are unchanged ("GunPoint", "SynthEnd-r0.50-noise1", "rntk"); one's
    own data set "My Data" becomes "My_Data", a method named by its import path
    "pkg.kernels:cosine" becomes "pkg.kernels_cosine"; a leading ``.`` or ``-`` is
    preceded by ``_``. Call :func:`path_problem` first.
    """
    safe = _NOT_PLAIN.sub("_", name)
    return safe if safe[0].isalnum() or safe[0] == "_" else f"_{safe}"


def tsml_codes(classes: list[str]) -> np.ndarray:
    """Position of every class (in code order) among the labels sorted as strings.

    Parameters
    ----------
    classes : list of str
        Original labels in the tool's code order (``Result.dataset["classes"]``).

    Returns
    -------
    ndarray of shape (n_classes,), int: ``tsml_codes(classes)[code]`` is the label's
    LabelEncoder code (tsml-eval's class code).
    """
    order = np.argsort(np.asarray(classes, dtype=str), kind="stable")
    codes = np.empty(len(classes), dtype=np.int64)
    codes[order] = np.arange(len(classes))
    return codes


@dataclass(frozen=True)
class TsmlResult:
    """One tsml-eval classification result file, ready to write.

    Attributes
    ----------
    dataset, method : str
        Plain names (:func:`name_problem`).
    resample : int
    comment : str
        The first line's free text (one line, no newline).
    parameters : str
        Line 2 (one line).
    y_true, y_pred : ndarray of shape (n_test,), int
        tsml-eval class codes in [0, n_classes).
    probabilities : ndarray of shape (n_test, n_classes), float
        Columns in tsml-eval's class-code order; rows sum to 1.
    fit_ms, predict_ms : int
        Milliseconds; -1 when unknown.
    """

    dataset: str
    method: str
    resample: int
    comment: str
    parameters: str
    y_true: np.ndarray
    y_pred: np.ndarray
    probabilities: np.ndarray
    fit_ms: int
    predict_ms: int

    @property
    def accuracy(self) -> float:
        """The share of rows whose prediction is right, as tsml-eval's loader computes it."""
        return float(np.mean(self.y_true == self.y_pred))

    def text(self) -> str:
        """The file's whole text (lines end in ``\\n``, as tsml-eval writes them)."""
        n_classes = self.probabilities.shape[1]
        header = [
            f"{self.dataset},{self.method},TEST,{self.resample},MILLISECONDS,{self.comment}",
            self.parameters,
            f"{self.accuracy!r},{self.fit_ms},{self.predict_ms},-1,-1,{n_classes},,-1,-1",
        ]
        rows = (
            f"{int(t)},{int(p)},," + ",".join(repr(float(v)) for v in proba)
            for t, p, proba in zip(self.y_true, self.y_pred, self.probabilities, strict=True)
        )
        return "\n".join([*header, *rows]) + "\n"


def tsml_path(method: str, dataset: str, resample: int) -> Path:
    """``<method>/Predictions/<dataset>/testResample<k>.csv``, relative to the export folder."""
    return Path(method, "Predictions", dataset, f"testResample{resample}.csv")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place.

    A file that exists is complete; a failed write leaves no temporary file behind, and
    its OSError (a full disk) names ``path``, never the temporary file or no file at all.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        os.fchmod(fd, shared_mode())  # mkstemp's 0600 would hide the file from others
        with os.fdopen(fd, "w", encoding="ascii", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename in (None, tmp):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
