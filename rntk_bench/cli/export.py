"""``rntk-bench export``: result files in the formats of the field's tools."""

from __future__ import annotations

from pathlib import Path

import click

from rntk_bench.errors import InputError


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--format",
    "format_",
    type=click.Choice(["tsml"]),
    default="tsml",
    show_default=True,
    help="tsml: tsml-eval's <Method>/Predictions/<Dataset>/testResample<k>.csv "
    "(plain text, written directly: no tsml-eval needed).",
)
@click.option(
    "--method-name",
    "method_names",
    multiple=True,
    metavar="KERNEL=NAME",
    help="Name a kernel's method in the files (e.g. rntk=RNTK); a length policy or "
    "protocol variant is still appended (RNTK+pad-start). NAME: letters, digits and "
    ". _ + = ; - [ ], starting with a letter, a digit or _. Repeatable.",
)
def export(run_dir: Path, out: Path, format_: str, method_names: tuple[str, ...]) -> None:
    """Write the results of RUN_DIR in another tool's format into OUT.

    Reads RUN_DIR/runs/*/*.json only: labels, predictions and probabilities are
    those the run stored; nothing is refit. tsml-eval's loaders and evaluation
    (load_classifier_results, evaluate_classifiers_by_problem) read the output.
    A variant is named apart from the plain method and data set: a length policy
    as rbf+pad-start, protocol variants as rntk[L=2;erf], a truncated test split as
    GunPoint[test-last-50pct]. A result file that cannot be exported (damaged,
    edited, no probabilities) is listed on stderr with the reason; names that are
    not plain and two kernels that would share a file stop the export before
    anything is written.

    \b
    Examples:
      rntk-bench export results/ci exported --format tsml
      rntk-bench export results/ucr56 tsml --method-name rntk=RNTK --method-name rbf=RBF-SVM
    """
    from rntk_bench.reporting.export import export_tsml

    names: dict[str, str] = {}
    for item in method_names:
        kernel, sep, name = item.partition("=")
        if not sep or not kernel or not name:
            raise InputError(
                f"--method-name must look like KERNEL=NAME (e.g. rntk=RNTK); got {item!r}."
            )
        if names.get(kernel, name) != name:
            raise InputError(
                f"--method-name names {kernel} twice ({names[kernel]} and {name}); give it once."
            )
        names[kernel] = name
    done = export_tsml(run_dir, out, names)
    for line in done.skipped:
        click.echo(f"skipped {line}", err=True)
    methods = sorted({p.relative_to(out).parts[0] for p in done.written})
    notes = []
    if done.replaced:
        notes.append(f"{done.replaced} of them replaced files of an earlier export")
    if done.skipped:
        notes.append(f"{len(done.skipped)} result files skipped, listed above")
    click.echo(
        f"Wrote {len(done.written)} tsml-eval result files ({', '.join(methods) or 'none'}) "
        f"to {out}" + (f" ({'; '.join(notes)})." if notes else ".")
    )
