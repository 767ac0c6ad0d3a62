"""Import Gradio without rewriting its type stubs: half of every studio start went there.

Gradio's ComponentMeta calls create_or_modify_pyi for each of its 80-odd component classes at import: it
parses the class's source and its .pyi stub with `ast` and rewrites the stub when they differ, a tool for
Gradio's own developers. It took 3.5 of the 7.7 s that importing the studio's web app took on a quiet
2-core machine, in every process that serves the page (and every studio the tests start). Nothing at
run time reads those stubs.

skip_stub_writing() must run before Gradio is first imported (it cannot live in studio.ui.compat, which
imports Gradio): a finder wraps the loading of gradio.component_meta and swaps the stub writer for a no-op
right after that module runs, before the component classes are defined. Gradio's own code is untouched;
if a later Gradio drops the function, nothing is swapped and nothing breaks.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

MODULE = "gradio.component_meta"


def _no_stub(*_args, **_kwargs) -> None:
    """Gradio's create_or_modify_pyi, skipped: the .pyi stubs are for Gradio's developers."""


class _Loader(importlib.abc.Loader):
    def __init__(self, inner) -> None:
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:
        self.inner.exec_module(module)
        if hasattr(module, "create_or_modify_pyi"):
            module.create_or_modify_pyi = _no_stub


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def skip_stub_writing() -> bool:
    """Install the finder; False when Gradio is already imported (too late: its classes exist)."""
    if MODULE in sys.modules:
        return False
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    return True
