"""Selection rules pinned where mutation testing found them loose (tools/mutate.py).

Each test fails on one change that the other selection tests let through: a CV table
of two tied cells, the 1e-12 tie tolerance, a parameter with two values or one, and
positions measured as fractions of the way from the grid's middle to its end.
"""

from __future__ import annotations

import itertools

import numpy as np

from rntk_bench.svm.select import cv_ties, grid_centre


def test_two_tied_cells_cannot_choose():
    assert cv_ties(np.array([[0.5, 0.5]]))  # one setting, two C values
    assert cv_ties(np.array([[0.5], [0.5]]))


def test_the_tie_tolerance_is_1e_12_inclusive():
    assert cv_ties(np.array([[0.0, 1e-12]]))
    assert not cv_ties(np.array([[0.0, 3e-12]]))


def test_a_two_valued_parameter_centres_on_its_lower_value():
    assert grid_centre([{"a": 2}, {"a": 1}], [1.0]) == (1, 0)


def test_a_one_valued_parameter_sits_at_the_centre():
    # The setting that states it is not pushed away from the centre by it.
    assert grid_centre([{"a": 1, "b": 5}, {"a": 1}], [1.0]) == (0, 0)


def test_positions_are_fractions_of_the_way_from_the_middle_to_the_end():
    # a: 3 values (middle 2), b: 5 values (middle 3); the centre (2, 3) and its near
    # neighbours are left out. (2, 1) and (1, 3) are both half-way out: the earlier
    # one wins; steps counted in values instead (or over n + 1) would prefer (1, 3).
    near = {(2, 2), (2, 3), (2, 4)}
    rest = [p for p in itertools.product([1, 2, 3], [1, 2, 3, 4, 5]) if p not in near]
    order = [(2, 1), (1, 3)] + [p for p in rest if p not in ((2, 1), (1, 3))]
    settings = [{"a": a, "b": b} for a, b in order]
    assert grid_centre(settings, [1.0]) == (0, 0)
