"""Tables as DataFrames, and thin writers for Markdown, CSV and LaTeX.

The numeric DataFrames (:mod:`rntk_bench.reporting.leaderboard`) are what programs
read (CSV, full precision). For people, :func:`format_accuracy` and
:func:`format_leaderboard` turn them into DataFrames of strings ("0.912 ± 0.013"),
and :func:`to_markdown` / :func:`to_latex` only lay those strings out: GitHub
pipe tables and booktabs tabulars with every cell escaped. They are written here
rather than through ``DataFrame.to_markdown``/``to_latex`` because those need the
optional ``tabulate``/``jinja2`` packages for a few lines of layout.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from rntk_bench.reporting.leaderboard import AccuracyTable, Leaderboard

__all__ = [
    "format_accuracy",
    "format_leaderboard",
    "to_latex",
    "to_markdown",
    "write_table",
]

_DASH = "–"  # an empty cell that reads as "no value", not as a zero


def _fmt(value: object, digits: int) -> str:
    if value is None or value is pd.NA:
        return _DASH
    number = float(value)  # type: ignore[arg-type]
    return _DASH if math.isnan(number) else f"{number:.{digits}f}"


def _pm(mean: object, std: object, digits: int) -> str:
    text = _fmt(mean, digits)
    if text == _DASH or _fmt(std, digits) == _DASH:
        return text
    return f"{text} ± {_fmt(std, digits)}"


def _p(value: object) -> str:
    """A p-value with 3 decimals; "<0.001" below that, so no p reads as 0."""
    text = _fmt(value, 3)
    return "<0.001" if text != _DASH and float(value) < 0.0005 else text  # type: ignore[arg-type]


def format_accuracy(table: AccuracyTable, digits: int = 3) -> pd.DataFrame:
    """The per-data-set accuracy table as strings: "mean ± std" over resamples.

    Parameters
    ----------
    table : AccuracyTable
    digits : int
        Decimals shown.

    Returns
    -------
    DataFrame of shape (n_datasets, n_methods), str
        "0.912" for one resample, "0.912 ± 0.013" for several, "–" where missing; a
        cell over another number of resamples than the run has on that data set ends
        with it ("0.913 (1)": a published official split in a run of 3 resamples).
        When the data sets have different resample counts, a first column
        "resamples" gives each one's count.
    """
    out = pd.DataFrame(index=table.mean.index, columns=table.mean.columns, dtype=object)
    expected = table.expected.reindex(table.mean.index)
    for method in table.methods:
        out[method] = [
            _pm(m, s if n > 1 else math.nan, digits) + (f" ({n})" if 0 < n != k else "")
            for m, s, n, k in zip(
                table.mean[method], table.std[method], table.n[method], expected, strict=True
            )
        ]
    if expected.nunique() > 1:
        out.insert(0, "resamples", [str(int(k)) for k in expected])
    out.index.name = "dataset"
    out.columns.name = None
    return out


def format_leaderboard(board: Leaderboard, digits: int = 3) -> pd.DataFrame:
    """The leaderboard as strings, with headers people read.

    Returns
    -------
    DataFrame of shape (n_methods, n_columns), str
        Index "method"; columns "data sets with results" (before the restriction to
        the shared data sets), "resamples" (when ``board.table`` has it: the
        resamples each per-data-set accuracy averages), "mean acc ± std", "rank", "P90 %",
        "P95 %", "PMA % ± std" and, with a reference method,
        "W/T/L vs <versus>" (the row method's wins/ties/losses against it) and
        "p vs <versus> (Holm)" (Wilcoxon signed-rank, Holm-adjusted; "<0.001" below).
    """
    t = board.table
    out = pd.DataFrame(index=t.index)
    out["data sets with results"] = [str(int(n)) for n in t["n_datasets"]]
    if "resamples" in t:
        out["resamples"] = [str(v) for v in t["resamples"]]
    out["mean acc ± std"] = [
        _pm(m, s, digits) for m, s in zip(t["mean_accuracy"], t["std_accuracy"], strict=True)
    ]
    out["rank"] = [_fmt(r, 2) for r in t["friedman_rank"]]
    out["P90 %"] = [_fmt(p, 1) for p in t["p90"]]
    out["P95 %"] = [_fmt(p, 1) for p in t["p95"]]
    out["PMA % ± std"] = [_pm(p, s, 1) for p, s in zip(t["pma"], t["pma_std"], strict=True)]
    if board.versus is not None:
        out[f"W/T/L vs {board.versus}"] = [
            _DASH if m == board.versus else f"{w}/{ti}/{lo}"
            for m, w, ti, lo in zip(t.index, t["wins"], t["ties"], t["losses"], strict=True)
        ]
        out[f"p vs {board.versus} (Holm)"] = [_p(p) for p in t["wilcoxon_p"]]
    out.index.name = "method"
    return out


# ------------------------------------------------------------------- Markdown


def _md_cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A pipe would end the cell; a newline would end the row.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _is_numeric_column(values: Sequence[str]) -> bool:
    pattern = re.compile(r"^(–|<?[-+]?\d[\d.]*( ± [\d.]+)?( \(\d+\))?|\d+/\d+/\d+|\d+-\d+)$")
    filled = [v for v in values if v]
    return bool(filled) and all(pattern.match(v) for v in filled)


def to_markdown(frame: pd.DataFrame, *, index: bool = True) -> str:
    """A GitHub pipe table of ``frame`` (cells as ``str``; numbers right-aligned).

    Parameters
    ----------
    frame : DataFrame
        Any frame; formatted frames (strings) read best.
    index : bool
        Include the index as the first column (headed by its name).

    Returns
    -------
    str
        The table, ending with a newline.
    """
    data = frame.reset_index() if index else frame
    header = [str(c) for c in data.columns]
    if index and frame.index.name is None:
        header[0] = ""
    rows = [[_md_cell(v) for v in row] for row in data.astype(object).itertuples(index=False)]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    align = [
        "---:" if col and i > 0 and _is_numeric_column(col) else ":---"
        for i, col in enumerate(columns)
    ]
    lines = [
        "| " + " | ".join(_md_cell(h) for h in header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- LaTeX

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "–": "--",
}


def _tex_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def to_latex(frame: pd.DataFrame, *, index: bool = True, caption: str | None = None) -> str:
    """A booktabs ``tabular`` of ``frame`` with every cell and header escaped.

    Needs ``\\usepackage{booktabs}``; the caption, if given, becomes a comment line
    so the snippet can be ``\\input`` inside any table environment.
    """
    data = frame.reset_index() if index else frame
    header = [str(c) for c in data.columns]
    if index and frame.index.name is None:
        header[0] = ""
    rows = [[_tex_cell(v) for v in row] for row in data.astype(object).itertuples(index=False)]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    spec = "".join(
        "r" if col and i > 0 and _is_numeric_column([str(v) for v in data.iloc[:, i]]) else "l"
        for i, col in enumerate(columns)
    )
    lines = []
    if caption:
        lines.append(f"% {caption}")
    lines += [
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(_tex_cell(h) for h in header) + r" \\",
        "\\midrule",
    ]
    lines += [" & ".join(row) + r" \\" for row in rows]
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------- files


def write_table(
    numeric: pd.DataFrame,
    formatted: pd.DataFrame,
    stem: Path,
    *,
    caption: str | None = None,
) -> list[Path]:
    """Write ``<stem>.md`` and ``<stem>.tex`` from ``formatted``, ``<stem>.csv`` from ``numeric``.

    Returns
    -------
    list of Path
        The three files, in the order md, csv, tex.
    """
    stem.parent.mkdir(parents=True, exist_ok=True)
    md = stem.with_name(stem.name + ".md")
    csv = stem.with_name(stem.name + ".csv")
    tex = stem.with_name(stem.name + ".tex")
    md.write_text(to_markdown(formatted), encoding="utf-8")
    # Full precision (repr) so programs re-read exactly what the report computed.
    numeric.to_csv(csv, float_format=None, lineterminator="\n")
    tex.write_text(to_latex(formatted, caption=caption), encoding="utf-8")
    return [md, csv, tex]
