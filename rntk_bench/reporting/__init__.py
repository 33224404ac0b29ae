"""Reporting: result files -> leaderboards, statistics, plots and the regression check.

::

    from rntk_bench.reporting import build_report, write_report
    report = build_report("results/ucr56", with_published=True,
                          published=["path/to/ucr-archive/published"])
    write_report(report, "results/ucr56/report")

    tidy, problems = load_results("results/ucr56")        # one row per result file
    table = accuracy_table(tidy)                            # data sets x methods
    board = leaderboard(table.mean, versus="rntk")          # docs/metrics.md

Metrics are recomputed from the result files (adding a metric never reruns an
SVM); tables are DataFrames first, with thin Markdown/CSV/LaTeX writers; plot
functions return ``(fig, ax)``. This package reads results only; it never
prints, exits or reads the environment (the CLI does), and it never imports the
engine (kernels, SVM, experiment; tests/reporting/test_import_weight.py).

One room per concern:

- :mod:`.tidy`: result files -> the tidy table (:mod:`.variants`: variant tags;
  names from :mod:`rntk_bench.records.naming`); :mod:`.published`: reference rows;
- :mod:`.leaderboard`: accuracy table, ranks, wins/ties/losses, P90/P95/PMA;
- :mod:`.statistics`: Wilcoxon, Holm, Friedman/Nemenyi post-hoc tests;
- :mod:`.build`: the :class:`Report` (everything in memory); :mod:`.write`,
  :mod:`.readme`, :mod:`.tables`, :mod:`.plots`: its files;
- :mod:`.selection`: CV fallbacks and grid edges; :mod:`.check`: the regression
  check; :mod:`.export`: tsml-eval result files.
"""

from rntk_bench.reporting.build import DEFAULT_VERSUS, Report, build_report
from rntk_bench.reporting.check import (
    CheckResult,
    compare_to_reference,
    read_reference,
    run_accuracies,
    write_reference,
)
from rntk_bench.reporting.leaderboard import (
    LEADERBOARD_COLUMNS,
    AccuracyTable,
    Leaderboard,
    accuracy_table,
    leaderboard,
    missing_pairs,
    shared_datasets,
    wins_ties_losses,
)
from rntk_bench.reporting.plots import PALETTE, cd_diagram, save_figure, scatter_versus
from rntk_bench.reporting.published import (
    align_published,
    is_published,
    published_frames,
    published_name,
    read_published,
    registry_published,
)
from rntk_bench.reporting.statistics import (
    CD_TESTS,
    FriedmanResult,
    NotApplicableError,
    friedman_posthoc,
    friedman_ranks,
    holm,
    nemenyi_critical_difference,
    wilcoxon_holm_pairwise,
    wilcoxon_pvalue,
    wilcoxon_versus,
)
from rntk_bench.reporting.tables import format_accuracy, format_leaderboard, to_latex, to_markdown
from rntk_bench.reporting.tidy import TIDY_COLUMNS, Problem, load_results
from rntk_bench.reporting.write import write_report

__all__ = [
    "CD_TESTS",
    "DEFAULT_VERSUS",
    "LEADERBOARD_COLUMNS",
    "PALETTE",
    "TIDY_COLUMNS",
    "AccuracyTable",
    "CheckResult",
    "FriedmanResult",
    "Leaderboard",
    "NotApplicableError",
    "Problem",
    "Report",
    "accuracy_table",
    "align_published",
    "build_report",
    "cd_diagram",
    "compare_to_reference",
    "format_accuracy",
    "format_leaderboard",
    "friedman_posthoc",
    "friedman_ranks",
    "holm",
    "is_published",
    "leaderboard",
    "load_results",
    "missing_pairs",
    "nemenyi_critical_difference",
    "published_frames",
    "published_name",
    "read_published",
    "read_reference",
    "registry_published",
    "run_accuracies",
    "save_figure",
    "scatter_versus",
    "shared_datasets",
    "to_latex",
    "to_markdown",
    "wilcoxon_holm_pairwise",
    "wilcoxon_pvalue",
    "wilcoxon_versus",
    "wins_ties_losses",
    "write_reference",
    "write_report",
]
