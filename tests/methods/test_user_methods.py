"""A user's kernel or classifier by import path: the description, its grid, its checks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from rntk_bench.errors import InputError, UnknownNameError
from rntk_bench.kernels import classic
from rntk_bench.methods import KernelFamily, TrainedMethod, load_grid, lookup
from rntk_bench.methods.registry import family_aliases, listed_methods, load_family_grid
from rntk_bench.methods.user_kernel import UserKernel
from rntk_bench.records import file_name, result_path
from tests.methods import user_methods

MODULE = "tests.methods.user_methods"


def _kernel(name: str) -> UserKernel:
    description = lookup(f"{MODULE}:{name}").description
    assert isinstance(description, UserKernel)
    return description


# --- a kernel function as a family ---------------------------------------------------


def test_a_kernel_function_is_a_family_of_one_member_named_by_its_path():
    entry = lookup(f"{MODULE}:scaled")
    family = entry.description
    assert isinstance(family, KernelFamily) and entry.source == "import path"
    assert family.name == entry.name == f"{MODULE}:scaled"
    assert family.kernels == (f"{MODULE}:scaled",)
    assert family.parameters == ("scale", "offset")
    assert entry.summary == "scale * <x, x'> + offset (two parameters for the grid tests)."
    assert family.capabilities.native_lengths is False
    assert _kernel("endpoints").capabilities.native_lengths is True
    # Its origin is part of its results' identity: the path and its module's digest.
    assert family.origin is not None and family.origin["import"] == f"{MODULE}:scaled"
    assert len(family.origin["code"]) == 16
    # The same object for every lookup in a process (plans compare descriptions).
    assert lookup(f"{MODULE}:scaled").description is family


def test_its_grid_defaults_to_one_setting_and_names_are_checked():
    family = _kernel("scaled")
    assert [s.values for s in family.settings({})] == [{}]
    two = family.settings({"scale": (1.0, 2.0), "offset": (0.5,)})
    assert [s.values for s in two] == [{"scale": 1.0, "offset": 0.5}, {"scale": 2.0, "offset": 0.5}]
    with pytest.raises(InputError, match=r"unknown .*:scaled parameter 'gamma'; valid: scale, off"):
        family.settings({"gamma": (1.0,)})
    # **params: any name goes to the function.
    assert [s.values for s in _kernel("any_params").settings({"whatever": (3,)})] == [
        {"whatever": 3}
    ]


def test_the_gram_is_the_functions_on_the_resampled_series():
    rng = np.random.default_rng(3)
    X = [rng.normal(size=(2, t)) for t in (7, 9, 12)]
    Y = [rng.normal(size=(2, t)) for t in (5, 12)]
    family = _kernel("recording")
    setting = family.settings({})
    user_methods.SEEN.clear()
    (train,) = family.compute(X, None, setting, length=12)
    (test,) = family.compute(Y, X, setting, length=12)
    # What the built-in linear kernel computes after the same resampling.
    np.testing.assert_array_equal(train[family.name], classic.linear(X, length=12))
    np.testing.assert_array_equal(test[family.name], classic.linear(Y, X, length=12))
    assert [np.shape(x) for x in user_methods.SEEN] == [(3, 2, 12), (2, 2, 12)]


def test_a_kernel_that_takes_unequal_lengths_gets_them_as_they_are():
    family = _kernel("endpoints")
    rng = np.random.default_rng(4)
    X = [rng.normal(size=(1, t)) for t in (4, 6, 9)]
    user_methods.SEEN.clear()
    (gram,) = family.compute(X, None, family.settings({}), length=9)
    assert isinstance(user_methods.SEEN[-1], list)
    assert [s.shape for s in user_methods.SEEN[-1]] == [(1, 4), (1, 6), (1, 9)]
    last = np.array([x[0, -1] for x in X])
    np.testing.assert_allclose(gram[family.name], 1 + np.outer(last, last))
    same = [rng.normal(size=(1, 5)) for _ in range(3)]
    list(family.compute(same, None, family.settings({})))
    assert np.shape(user_methods.SEEN[-1]) == (3, 1, 5)  # one length: a 3-D array


def test_the_family_pickles_by_import_path():
    family = _kernel("scaled")
    copy = pickle.loads(pickle.dumps(family))
    assert copy is family  # rebuilt from the path in a worker; the cached one here
    assert family.cache_name.startswith("tests.methods.user_methods_scaled-")


# --- one line for every name that cannot be used, before any work ---------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_such_module_xyz:f", r"cannot import no_such_module_xyz \(for no_such_module_xyz:f\): "
         r"ModuleNotFoundError: No module named 'no_such_module_xyz'"),
        (f"{MODULE}:missing", r"tests.methods.user_methods has no attribute 'missing'"),
        (f"{MODULE}:NOT_CALLABLE", r"names an object of type int, not a kernel function"),
        (f"{MODULE}:one_argument", r"takes 1 positional argument\(s\); a kernel is f\(X, Y=None"),
        (f"{MODULE}:NotAClassifier", r"is not a classifier"),
        (":f", r"':f' is not an import path"),
    ],
)  # fmt: skip
def test_a_bad_name_is_one_line(name, message):
    with pytest.raises(InputError, match=message) as info:
        lookup(name)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "grid", "message"),
    [
        ("wrong_shape", {}, r"returned an array of shape \(4,\) on series of length 16 \(a check "
         r"before the run\) with \{\}; a kernel must return the \(n_X, n_Y\) Gram matrix, "
         r"here \(4, 4\)"),
        ("not_finite", {}, r"returned non-finite values on 4 random series"),
        ("fails", {"depth": (1, 2)}, r"setting \{'depth': 2\}: .*:fails failed on series of "
         r"length 16 \(a check before the run\) with \{'depth': 2\}: ValueError: depth > 1 is "
         r"not implemented"),
    ],
)  # fmt: skip
def test_a_bad_gram_is_refused_when_the_grid_is_validated(name, grid, message):
    family = _kernel(name)
    with pytest.raises(InputError, match=message) as info:
        family.settings(grid)
    assert "\n" not in str(info.value)


def test_an_unknown_plain_name_mentions_import_paths():
    with pytest.raises(UnknownNameError, match=r"unknown method 'cosine'; valid: rntk, .*, or an "
                       r"import path such as my_pkg.kernels:cosine"):  # fmt: skip
        lookup("cosine")


# --- a classifier class as a trained method ----------------------------------------------


def test_a_classifier_class_is_a_trained_method_with_its_parameters():
    entry = lookup("sklearn.neighbors:KNeighborsClassifier")
    method = entry.description
    assert isinstance(method, TrainedMethod) and entry.source == "import path"
    assert method.reads_grid_files and method.parameters is not None
    assert "n_neighbors" in method.parameters
    assert method.options["import"] == "sklearn.neighbors:KNeighborsClassifier"
    assert method.options["distribution"] == "scikit-learn"
    assert method.options["input"] == "series flattened to (n, channels x length)"
    assert method.capabilities.native_lengths is False
    assert method.environment["backend"] == "scikit-learn"
    assert set(method.versions()) == {"scikit-learn"}
    # No grid: one setting, its defaults; a grid file's entry otherwise.
    assert [s.values for s in method.settings("quick")] == [{}]
    loaded = {method.name: {"n_neighbors": (1, 3)}}
    assert [s.values for s in method.settings("g.yaml", loaded)] == [
        {"n_neighbors": 1},
        {"n_neighbors": 3},
    ]
    with pytest.raises(InputError, match=r"unknown .* parameter 'k'; valid: algorithm, "):
        method.settings("g.yaml", {method.name: {"k": (1,)}})
    assert pickle.loads(pickle.dumps(method)) == method


def test_an_sktime_classifier_takes_3d_collections_and_says_if_unequal_lengths():
    dummy = lookup("sktime.classification.dummy:DummyClassifier").description
    assert isinstance(dummy, TrainedMethod)
    assert dummy.options["input"] == "3-D collection (n, channels, length), or as they are"
    assert dummy.capabilities.native_lengths is True
    assert dummy.environment["backend"] == "sktime"


# --- grids and file names ------------------------------------------------------------------


def test_grid_files_take_user_methods_under_their_names(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(
        "base: quick\n"
        "sklearn.neighbors:KNeighborsClassifier: {n_neighbors: [1, 3], weights: distance}\n"
        "tests.methods.user_methods:scaled: {scale: [0.5, 2], offset: null}\n"
        "some.mod:flag: {fast: true}\n"
        "rbf: {gamma_scale: [1]}\n"
    )
    names = ["sklearn.neighbors:KNeighborsClassifier", f"{MODULE}:scaled", "some.mod:flag", "x:y"]
    grid = load_grid(path, families=family_aliases(), extra=names)
    assert grid["sklearn.neighbors:KNeighborsClassifier"] == {
        "n_neighbors": (1, 3),
        "weights": ("distance",),
    }
    assert grid[f"{MODULE}:scaled"] == {"scale": (0.5, 2), "offset": (None,)}
    assert grid["some.mod:flag"] == {"fast": (True,)}
    assert grid["x:y"] == {}  # not in the file: its defaults
    assert grid["rbf"] == {"gamma_scale": (1,)}
    with pytest.raises(InputError, match=r"unknown kernel or family 'some.mod:flag'"):
        load_grid(path, families=family_aliases(), extra=names[:2])
    path.write_text("rbf: {gamma_scale: true}\n")  # yes/no stays a typo for built-ins
    with pytest.raises(InputError, match=r"rbf.gamma_scale takes numbers or names"):
        load_grid(path, families=family_aliases(), extra=names)
    # A named grid knows no user method; the family's grid then holds its defaults.
    assert load_family_grid("quick", _kernel("scaled"))[f"{MODULE}:scaled"] == {}


def test_names_become_file_names_in_one_place(tmp_path):
    for name in ("rntk", "rnngp", "ntk", "rbf", "linear", "gak", "rnn", "rbf+pad-start"):
        assert file_name(name) == name  # built-in names: unchanged
    assert file_name("my_pkg.kernels:cosine") == "my_pkg.kernels_cosine"
    assert file_name("a/../b") == "a_.._b"
    assert file_name("..") == "_.."
    path = result_path(tmp_path, "GunPoint", "my_pkg.kernels:cosine", 0, "abcdef0123456789")
    assert path.name == "my_pkg.kernels_cosine-r0-abcdef012345.json"
    assert path.parent == tmp_path / "runs" / "GunPoint"


def test_the_listing_shows_where_each_method_comes_from():
    entries, warnings = listed_methods([f"{MODULE}:linear", "rbf"])
    sources = {e.name: e.source for e in entries}
    assert sources["rntk"] == sources["rbf"] == sources["rnn"] == "built-in"
    assert sources[f"{MODULE}:linear"] == "import path"
    assert [e.name for e in entries].count("rbf") == 1
    assert all("\n" not in w for w in warnings)


def test_an_sktime_classifier_gets_unequal_lengths_as_they_are():
    import rntk_bench

    rng = np.random.default_rng(0)
    lengths = rng.integers(8, 20, size=30)
    X = [rng.normal(size=(2, int(t))) for t in lengths]
    y = np.array(["a"] * 18 + ["b"] * 12)
    outcome = rntk_bench.evaluate(
        "sktime.classification.dummy:DummyClassifier", X[::2] + X[1::4], np.r_[y[::2], y[1::4]],
        X[3::4], y[3::4], grid={"strategy": ["prior"]},
    )  # fmt: skip
    # The prior: the majority class of training, for every test series.
    assert set(outcome.predictions) == {"a"}
    assert outcome.accuracy == np.mean(y[3::4] == "a")
    np.testing.assert_allclose(outcome.probabilities.sum(axis=1), 1.0)
    assert outcome.selected.resolved == {"random_state": 0}  # the run's seed
