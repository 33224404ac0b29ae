"""The tie rule of selection and the grid centre (its use: tests/evaluation/test_fallback.py)."""

from __future__ import annotations

import numpy as np

from rntk_bench.svm.select import cv_ties, grid_centre, select_best


def test_tie_break_prefers_accuracy_then_smaller_c_then_grid_order():
    c_grid = [1.0, 0.1, 10.0]  # deliberately unsorted
    mean = np.array([[0.8, 0.9, 0.9], [0.9, 0.9, 0.7]])
    assert select_best(mean, c_grid) == (0, 1)  # 0.9 at C = 0.1, first setting
    mean = np.array([[0.8, 0.5, 0.95], [0.9, 0.9, 0.7]])
    assert select_best(mean, c_grid) == (0, 2)  # the best accuracy wins whatever C
    assert select_best(np.full((3, 3), np.nan), c_grid) == (0, 1)  # no folds: all tie


def test_cv_ties_only_when_nothing_can_choose():
    assert cv_ties(np.full((3, 5), np.nan))
    assert cv_ties(np.full((3, 5), 0.5))
    assert not cv_ties(np.array([[0.5, 0.5], [0.5, 0.6]]))
    assert not cv_ties(np.array([[np.nan, 0.5], [0.5, 0.5]]))  # partly scored
    assert not cv_ties(np.array([[0.5]]))  # one candidate: no arbitrary choice


def test_grid_centre_takes_the_lower_middle_and_the_earlier_setting_on_ties():
    settings = [{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}]
    assert grid_centre(settings, [100.0, 1.0, 10.0, 0.1]) == (1, 1)  # C sorted: 0.1 1 10 100
    settings = [{"a": 1, "b": 2}, {"a": 2, "b": 1}]  # both one step off the centre
    assert grid_centre(settings, [1.0]) == (0, 0)
