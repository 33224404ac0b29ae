"""The one method registry (rntk_bench.methods): names, members, validated settings."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections import Counter

import numpy as np
import pytest

import rntk_bench.kernels
from rntk_bench.errors import InputError, UnknownNameError
from rntk_bench.kernels._params import RNNParams
from rntk_bench.methods import (
    FAMILIES,
    METHODS,
    KernelFamily,
    Setting,
    TrainedMethod,
    kernel_names,
    load_grid,
    lookup,
    method_names,
)

KERNELS = ("rntk", "rnngp", "ntk", "nngp", "rbf", "polynomial", "linear", "gak")

# Keywords of a kernel function that choose how it computes, not what: not parameters.
COMPUTATION_OPTIONS = {"length", "n_jobs", "backend", "device", "dtype", "n_threads"}


# --- one registry, every name once -------------------------------------------------------


def test_the_registry_holds_every_kernel_and_the_trained_rnn_exactly_once():
    members = [m.name for family in FAMILIES.values() for m in family.members]
    assert Counter(members) == Counter(KERNELS)  # each kernel in exactly one family
    assert kernel_names() == members
    assert method_names() == ["rnn"]
    assert list(METHODS) == [*kernel_names(), *method_names()]
    assert len(METHODS) == len(set(METHODS)) == len(KERNELS) + 1
    for name in KERNELS:
        entry = lookup(name)
        assert entry.name == name and isinstance(entry.description, KernelFamily)
        assert entry.member is not None and entry.member.name == name
        assert entry.description is FAMILIES[entry.description.name]
        assert entry.member.function is getattr(rntk_bench.kernels, name)
        assert entry.summary == entry.member.summary
    rnn = lookup("rnn")
    assert isinstance(rnn.description, TrainedMethod) and rnn.description.kind == "trained"
    assert rnn.member is None and rnn.summary == rnn.description.summary


def test_an_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownNameError, match=r"unknown method 'rntkk'; valid: ") as info:
        lookup("rntkk")
    assert all(name in str(info.value) for name in METHODS)


# --- members and the parameters of their kernel functions --------------------------------


@pytest.mark.parametrize("name", KERNELS)
def test_members_have_the_parameters_their_kernel_function_accepts(name):
    family = lookup(name).description
    member = lookup(name).member
    assert set(member.parameters) <= set(family.parameters)
    signature = inspect.signature(member.function)
    named = {
        p.name
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    } - {"X", "Y"}
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        # The function takes its validated parameters as keywords (RNNParams): the
        # typed parameters of a setting are exactly the member's, and the function takes
        # them as they are; an unknown keyword stays a TypeError.
        params = dataclasses.asdict(family.setting({"sigma_w": 1.3}).params)
        assert set(params) == set(member.parameters)
        X = np.linspace(0.0, 1.0, 12).reshape(3, 1, 4)
        setting = family.setting(params)
        gram = member.function(X, **setting.values)
        np.testing.assert_allclose(gram, next(family.compute(X, None, [setting]))[name])
        with pytest.raises(TypeError):
            member.function(X, **params, sigma_z=1.0)
    else:
        # A data-scaled parameter (gamma_scale, sigma_scale) is resolved by the family
        # into the absolute value (gamma, sigma) the function takes.
        expected = {p.removesuffix("_scale") for p in member.parameters}
        assert named - COMPUTATION_OPTIONS == expected


# --- settings: validated once, typed ------------------------------------------------------


def test_a_setting_is_validated_once_into_typed_parameters(monkeypatch):
    setting = FAMILIES["rnn"].setting({"sigma_w": 1.4})
    assert isinstance(setting, Setting) and setting.values == {"sigma_w": 1.4}
    assert isinstance(setting.params, RNNParams)
    assert setting.params == RNNParams(sigma_w=1.4)

    rbf = FAMILIES["rbf"].setting({"gamma_scale": 2})
    assert rbf.params.value(4.0) == 0.5  # gamma = gamma_scale / median squared distance
    assert FAMILIES["rbf"].setting({"gamma": 0.3}).params.value(4.0) == 0.3

    calls = []
    original = RNNParams.validated.__func__

    def counting(cls, **kwargs):
        calls.append(kwargs)
        return original(cls, **kwargs)

    monkeypatch.setattr(RNNParams, "validated", classmethod(counting))
    settings = FAMILIES["rnn"].settings({"sigma_w": [1.3, 1.4], "sigma_b": [0.1]})
    assert [s.values for s in settings] == [
        {"sigma_w": 1.3, "sigma_b": 0.1},
        {"sigma_w": 1.4, "sigma_b": 0.1},
    ]
    assert all(isinstance(s.params, RNNParams) for s in settings)
    assert len(calls) == 2  # once per setting, at the entry point
    X = np.linspace(-1.0, 1.0, 10).reshape(2, 1, 5)
    grams = list(FAMILIES["rnn"].compute(X, None, settings))
    assert len(grams) == 2 and set(grams[0]) == {"rntk", "rnngp"}
    assert len(calls) == 2  # the computation uses the typed parameters as they are


def test_every_grid_setting_is_validated_and_typed():
    grid = load_grid("quick")
    for name, family in FAMILIES.items():
        for setting in family.settings(grid[name]):
            assert isinstance(setting, Setting)
            assert set(setting.values) <= set(family.parameters)
            if family.parameters:
                assert setting.params is not None, name


@pytest.mark.parametrize("name", list(FAMILIES))
def test_an_unknown_grid_key_names_the_family_and_the_valid_parameters(name):
    family = FAMILIES[name]
    valid = ", ".join(family.parameters) if family.parameters else "none"
    # The family by its kernels where they are several ("rnn" alone is the trained RNN).
    label = {"rnn": "RNTK/RNNGP family (grid key rnn)", "fc": "NTK/NNGP family (grid key fc)"}
    named = re.escape(label.get(name, name))
    message = rf"unknown {named} parameter 'sigma_z'; valid: {valid}\."
    with pytest.raises(InputError, match=message):
        family.settings({"sigma_z": [1.0]})
    with pytest.raises(InputError, match=message):
        family.setting({"sigma_z": 1.0})
    with pytest.raises(InputError, match=rf"unknown {named} parameters 'a', 'b'; valid: "):
        family.settings({"b": [1], "a": [2]})
