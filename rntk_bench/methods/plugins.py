"""A user's methods by name: import paths and entry points.

- An import path ("my_pkg.kernels:cosine", "sklearn.neighbors:KNeighborsClassifier")
  names a kernel function (:mod:`.user_kernel`) or a classifier class
  (:mod:`.user_classifier`); the method's name is the path itself.
- An installed distribution registers methods under the entry point group
  ``rntk_bench.methods``: the entry point's name is the method's name, its value the
  import path::

      [project.entry-points."rntk_bench.methods"]
      example-cosine = "rntk_bench_example.kernels:cosine"

Entry points are read from the distributions' metadata; a plugin is imported only
when it is used or listed, and one that cannot be imported is a warning line in a
listing (:func:`plugin_methods`), an error only where it was asked for.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from rntk_bench.errors import InputError
from rntk_bench.methods._imports import import_object, is_import_path, origin_of
from rntk_bench.methods.base import KernelFamily, TrainedMethod
from rntk_bench.methods.user_classifier import user_classifier
from rntk_bench.methods.user_kernel import user_kernel

__all__ = ["GROUP", "Plugin", "declared_plugins", "describe", "plugin_methods", "resolve"]

#: The entry point group of plugins.
GROUP = "rntk_bench.methods"

Description = KernelFamily | TrainedMethod


@dataclass(frozen=True)
class Plugin:
    """A method declared by an installed distribution (its metadata; nothing imported).

    Attributes
    ----------
    name : str
        The entry point's name: the method's name.
    path : str
        "module:attribute" of the kernel function or classifier class.
    distribution, version : str
    """

    name: str
    path: str
    distribution: str
    version: str

    @property
    def source(self) -> str:
        """Where the method comes from, as ``rntk-bench kernels`` says it."""
        return f"entry point {self.distribution} {self.version}".rstrip()


def declared_plugins() -> tuple[dict[str, Plugin], list[str]]:
    """The group's entry points, by name, and a warning per conflicting declaration.

    The first declaration of a name wins (the order of ``sys.path``); another
    distribution declaring the same name for another path is a warning.
    """
    found: dict[str, Plugin] = {}
    warnings: list[str] = []
    for point in metadata.entry_points(group=GROUP):
        dist = point.dist
        plugin = Plugin(
            point.name,
            f"{point.module}:{point.attr}" if point.attr else point.module,
            dist.name if dist is not None else "(unknown distribution)",
            dist.version if dist is not None else "",
        )
        first = found.setdefault(plugin.name, plugin)
        if first.path != plugin.path:
            warnings.append(
                f"plugin {plugin.name!r} of {plugin.distribution} ({plugin.path}) is ignored: "
                f"{first.distribution} declares the same name ({first.path})."
            )
    return found, warnings


def describe(name: str, path: str, distribution: str | None = None) -> Description:
    """The description of the method ``path`` names: a kernel family or a classifier.

    Raises
    ------
    InputError
        One line: an import that fails, a non-callable, a class that is not a
        classifier, a function that cannot take (X, Y).
    """
    target: Any = import_object(path)
    origin = tuple(sorted(origin_of(path, target, distribution).items()))
    if inspect.isclass(target):
        return user_classifier(name, path, origin)
    if callable(target):
        return user_kernel(name, path, origin)
    raise InputError(
        f"{path} names an object of type {type(target).__name__}, not a kernel function "
        "f(X, Y=None, **params) or a classifier class."
    )


def resolve(name: str) -> tuple[Description, str] | None:
    """A user's method by name, with where it comes from; None if the name is neither.

    An entry point's name is looked up first, then an import path.

    Raises
    ------
    InputError
        When the plugin or the import path cannot be used (one line).
    """
    plugins, _ = declared_plugins()
    if name in plugins:
        plugin = plugins[name]
        return describe(name, plugin.path, plugin.distribution), plugin.source
    if is_import_path(name):
        return describe(name, name), "import path"
    return None


def plugin_methods(
    taken: set[str],
) -> tuple[list[tuple[str, Description, str]], list[str]]:
    """Every installed plugin that can be loaded, and one warning line per other one.

    Parameters
    ----------
    taken : set of str
        Built-in names: a plugin of the same name is ignored (warned).

    Returns
    -------
    methods : list of (name, description, source)
    warnings : list of str
    """
    plugins, warnings = declared_plugins()
    methods = []
    for plugin in plugins.values():
        if plugin.name in taken:
            warnings.append(
                f"plugin {plugin.name!r} of {plugin.distribution} is ignored: the name is built in."
            )
            continue
        try:
            description = describe(plugin.name, plugin.path, plugin.distribution)
        except InputError as exc:
            warnings.append(f"plugin {plugin.name!r} of {plugin.distribution} skipped: {exc}")
            continue
        methods.append((plugin.name, description, plugin.source))
    return methods, warnings
