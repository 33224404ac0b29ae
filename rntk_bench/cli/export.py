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
    "(needs the ecosystem extra).",
)
@click.option(
    "--method-name",
    "method_names",
    multiple=True,
    metavar="KERNEL=NAME",
    help="Name a kernel's method in the files (e.g. rntk=RNTK). Repeatable.",
)
def export(run_dir: Path, out: Path, format_: str, method_names: tuple[str, ...]) -> None:
    """Write the results of RUN_DIR in another tool's format into OUT.

    Reads RUN_DIR/runs/*/*.json only: labels, predictions and probabilities are
    those the run stored; nothing is refit. tsml-eval's loaders and evaluation
    (load_classifier_results, evaluate_classifiers_by_problem) read the output.

    \b
    Examples:
      rntk-bench export results/ci exported --format tsml
      rntk-bench export results/ucr56 tsml --method-name rntk=RNTK --method-name rbf=RBF-SVM
    """
    from rntk_bench.reporting.export import export_tsml

    names = {}
    for item in method_names:
        kernel, sep, name = item.partition("=")
        if not sep or not kernel or not name or "/" in name:
            raise InputError(f"--method-name must look like KERNEL=NAME; got {item!r}.")
        names[kernel] = name
    done = export_tsml(run_dir, out, names)
    for line in done.skipped:
        click.echo(f"skipped {line}", err=True)
    methods = sorted({p.relative_to(out).parts[0] for p in done.written})
    click.echo(
        f"Wrote {len(done.written)} tsml-eval result files ({', '.join(methods) or 'none'}) "
        f"to {out}."
    )
