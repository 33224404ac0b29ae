"""How a run's progress is shown: a work-weighted bar on a terminal, one line per data set."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Sequence

import click
from tqdm import tqdm

from rntk_bench.experiment.events import (
    Event,
    Preparing,
    ResultDone,
    ResultSkipped,
    RunPlanned,
    TaskDone,
    Warned,
)

__all__ = ["Progress"]


class Progress:
    """Display the events of :func:`rntk_bench.experiment.run_experiment`.

    Parameters
    ----------
    kernels : sequence of str
        The run's methods, in the order their accuracies are shown.
    expected : int
        Results per data set: its line is printed when all are in.
    quiet : bool
        No bar and no start-up messages.
    """

    def __init__(self, kernels: Sequence[str], expected: int, quiet: bool) -> None:
        self.order = {k: i for i, k in enumerate(kernels)}
        self.expected = expected
        self.quiet = quiet
        self.per_dataset: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.counts: dict[str, int] = defaultdict(int)
        self.written = self.skipped = 0
        self.bar: tqdm | None = None
        self.total_cost, self.bar_tasks, self.tasks_done = 1.0, 0, 0

    def say(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line)
        else:
            click.echo(line)

    def dataset_line(self, dataset: str) -> str:
        """Accuracies of a data set, methods in the order of --kernels (variants after)."""
        done = self.per_dataset[dataset]
        names = sorted(done, key=lambda k: (self.order.get(k.split("[")[0], len(self.order)), k))
        accs = "  ".join(f"{k} {sum(done[k]) / len(done[k]):.3f}" for k in names)
        return f"{dataset:<24} {accs}"

    def show(self, event: Event) -> None:
        if isinstance(event, RunPlanned):
            # A bar only on a terminal: in a log file it is noise. Its length is the
            # planned work, so the ETA weighs a 900-setting RNTK block on long series
            # above a linear kernel on short ones.
            if event.tasks and not self.quiet and sys.stderr.isatty():
                self.total_cost = event.cost if event.cost > 0 else float(event.tasks)
                self.bar = tqdm(
                    total=100.0,
                    file=sys.stderr,
                    dynamic_ncols=True,
                    bar_format="{percentage:3.0f}% of the work|{bar}| "
                    "[{elapsed}<{remaining}] {postfix}",
                )
                self.bar_tasks = event.tasks
                self.bar.set_postfix_str(f"0/{self.bar_tasks} tasks")
        elif isinstance(event, TaskDone):
            if self.bar is not None and not event.restored:
                self.tasks_done += 1
                share = event.cost if event.cost > 0 else 1.0
                self.bar.set_postfix_str(f"{self.tasks_done}/{self.bar_tasks} tasks", refresh=False)
                self.bar.update(100.0 * share / self.total_cost)
        elif isinstance(event, (ResultDone, ResultSkipped)):
            if isinstance(event, ResultDone):
                self.written += 1
            else:
                self.skipped += 1
            self.per_dataset[event.dataset][event.kernel].append(event.accuracy)
            self.counts[event.dataset] += 1
            if self.counts[event.dataset] == self.expected:
                self.say(self.dataset_line(event.dataset))
        elif isinstance(event, Warned):
            self.say(f"Warning: {event.message}")
        elif isinstance(event, Preparing) and not self.quiet:
            self.say(event.message)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
