"""pandera for batchkit: only the parts the rules run, imported once. Import pandera through this module only.

The rules need pandera's pandas schemas (DataFrameSchema, Column), its Check with registered check methods,
the pandas backends that run them and SchemaErrors. `import pandera` (and `pandera.pandas`) also imports the
whole public API — the decorators, schema inference, IO, the deprecated top-level classes — and, through its
pandas type engine, pydantic and typeguard (which imports unittest.mock and asyncio): about 0.15 s of every start
(measured: `validate` of a 10-row file 0.55-0.59 s against 0.68-0.78 s), for dtypes batchkit never declares (its
frames are text; its schemas have no dtype). pandera.typing and the model classes still come, with the pandas
backends. So:

* `pandera` is put in sys.modules as its package without running its __init__; the modules batchkit needs
  are imported from it. The first access to any other name of `pandera` runs the real __init__ then, so code
  in the same process that uses pandera itself gets all of it (see `_full`).
* While those modules are imported, pydantic and typeguard (unless already imported) are stand-ins
  (`_Standin`): pandera's pandas engine only keeps a few names of them for its pydantic-model and
  Python-generic dtypes. The stand-ins leave sys.modules right after; their callables import the real package
  when called, and whenever the real package is imported (by anyone), every name pandera kept of it is
  rebound to the real object (`_heal`), so those dtypes keep working for anyone who uses them.
* pandera registers its pandas backends at the first validation through a function that imports its
  deprecated top-level API; that registration is run here once, with that module stood in by a bare
  subclass, and run again for the real classes if the real pandera is loaded later.
* hypothesis, when installed, is hidden while pandera is imported: pandera imports it only for data
  synthesis (`schema.example()`), which batchkit never uses (a tenth of a second with the test extra).
* `gc.freeze()` moves the few hundred thousand objects of pandas, pyarrow and pandera out of the collector's
  way, so neither its runs nor the final collection at exit walk them again.

Should any of this not fit the installed pandera, the whole of `pandera.pandas` is imported instead (slower,
same findings); tests/test_startup.py checks that the light path is the one taken.
"""

from __future__ import annotations

import gc
import importlib.util
import re
import sys
import types
from pathlib import Path
from typing import Any

_LIGHT = False  # True when the light path below was taken (tests/test_startup.py)
_KEPT: dict[str, list[tuple[object, str]]] = {}  # package -> (stand-in object, its real name) pandera may hold


class _Standin(types.ModuleType):
    """A stand-in for pydantic, pydantic_core or typeguard while pandera's modules are imported: the names
    `made` gives, else a placeholder per name asked for (pandera only keeps them, or names them in annotations)."""

    def __init__(self, package: str, made: dict[str, Any], path: str = "") -> None:
        super().__init__(f"{package}.{path}" if path else package)
        self._package, self._path = package, path
        for key, value in made.items():
            setattr(self, key, value if key.startswith("__") else _keep(package, value, self._name(key)))

    def _name(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        placeholder = _keep(self._package, _Standin(self._package, {}, self._name(name)), self._name(name))
        setattr(self, name, placeholder)
        return placeholder


def _real(package: str, path: str) -> object:
    obj: object = sys.modules[package]
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _heal(package: str) -> None:
    """Rebind every name pandera's modules kept of `package`'s stand-in to the real object."""
    kept = _KEPT.pop(package, [])
    if not kept:
        return
    real: dict[int, object] = {id(_STANDIN_MODULES.get(package)): sys.modules[package]}
    for standin, name in kept:
        try:
            real[id(standin)] = _real(package, name)
        except AttributeError:  # a name this version of the package lacks: pandera's own code never reached it
            continue
    for name, module in list(sys.modules.items()):
        if not (name == "pandera" or name.startswith("pandera.")) or module is None:
            continue
        space = vars(module)
        for key, value in list(space.items()):
            if id(value) in real:
                space[key] = real[id(value)]
            elif isinstance(value, dict) and key.isidentifier() and not key.startswith("__"):
                for k, v in list(value.items()):
                    if id(v) in real:
                        value[k] = real[id(v)]
    if not _KEPT and _WATCH in sys.meta_path:
        sys.meta_path.remove(_WATCH)


class _HealingLoader:
    """The real loader of pydantic or typeguard, then `_heal` once the package is imported."""

    def __init__(self, loader: Any, package: str) -> None:
        self.loader, self.package = loader, package

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self.loader.exec_module(module)
        _heal(self.package)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


class _Watch:
    """A meta path finder that notices the real pydantic or typeguard being imported."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in _KEPT:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _HealingLoader(spec.loader, name)
                return spec
        return None


_WATCH = _Watch()
_STANDIN_MODULES: dict[str, types.ModuleType] = {}


def _keep(package: str, obj: Any, name: str) -> Any:
    _KEPT.setdefault(package, []).append((obj, name))
    return obj


def _pydantic_standin() -> types.ModuleType | None:
    spec = importlib.util.find_spec("pydantic")
    if spec is None or spec.origin is None:
        return None
    found = re.search(r"""^VERSION\s*=\s*['"]([^'"]+)['"]""",
                      (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8"), re.M)
    if found is None:
        return None

    class _Meta(type):
        def __instancecheck__(cls, obj: object) -> bool:  # nothing is a pydantic model while pydantic is not loaded
            return "pydantic" in sys.modules and isinstance(obj, sys.modules["pydantic"].BaseModel)

        def __subclasscheck__(cls, sub: type) -> bool:
            return "pydantic" in sys.modules and issubclass(sub, sys.modules["pydantic"].BaseModel)

    root = _Meta("RootModel", (), {})

    def create_model(*args: Any, **kwargs: Any) -> Any:
        import pydantic

        args = tuple(pydantic.RootModel if a is root else a for a in args)
        kwargs = {k: (pydantic.RootModel if v is root else v) for k, v in kwargs.items()}
        return pydantic.create_model(*args, **kwargs)

    return _Standin("pydantic", {"__version__": found.group(1), "BaseModel": _Meta("BaseModel", (), {}),
                                 "RootModel": root, "create_model": create_model,
                                 "ValidationError": type("ValidationError", (ValueError,), {})})


def _pydantic_core_standin() -> types.ModuleType | None:
    return None if importlib.util.find_spec("pydantic_core") is None else _Standin("pydantic_core", {})


def _typeguard_standin() -> types.ModuleType | None:
    if importlib.util.find_spec("typeguard") is None:
        return None
    all_items = object()

    def check_type(*args: Any, **kwargs: Any) -> Any:
        import typeguard

        kwargs = {k: (typeguard.CollectionCheckStrategy.ALL_ITEMS if v is all_items else v) for k, v in kwargs.items()}
        return typeguard.check_type(*args, **kwargs)

    module = _Standin("typeguard", {"CollectionCheckStrategy": type("CollectionCheckStrategy", (), {}),
                                    "TypeCheckError": type("TypeCheckError", (Exception,), {}),
                                    "check_type": check_type})
    module.CollectionCheckStrategy.ALL_ITEMS = _keep(  # type: ignore[attr-defined]
        "typeguard", all_items, "CollectionCheckStrategy.ALL_ITEMS")
    return module


def _package() -> tuple[types.ModuleType, dict[str, bool]]:
    """The `pandera` package without its __init__; its first unknown name runs the __init__ (`_full`)."""
    spec = importlib.util.find_spec("pandera")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError("pandera is not installed as a package")
    package = importlib.util.module_from_spec(spec)
    state = {"ready": False}

    def _full(name: str) -> Any:
        """Someone in this process uses pandera itself: run its real __init__ (all of pandera) once."""
        if not state["ready"] or name.startswith("__"):
            raise AttributeError(f"module 'pandera' has no attribute {name!r}")
        del package.__dict__["__getattr__"]
        spec.loader.exec_module(package)  # type: ignore[union-attr]
        from pandera.backends.pandas.register import register_pandas_backends

        register_pandas_backends.cache_clear()  # registered again for the real classes at their next validation
        return getattr(package, name)

    setattr(package, "__getattr__", _full)  # noqa: B010 (a module-level __getattr__, PEP 562)
    return package, state


def _light() -> tuple[Any, Any, Any, Any, Any]:
    standins = {name: make() for name, make in (("pydantic", _pydantic_standin),
                                                ("pydantic_core", _pydantic_core_standin),
                                                ("typeguard", _typeguard_standin)) if name not in sys.modules}
    package, state = _package()
    placed = [name for name, module in standins.items() if module is not None]
    try:
        for name in placed:
            sys.modules[name] = _STANDIN_MODULES[name] = standins[name]  # type: ignore[assignment]
        sys.modules["pandera"] = package
        import pandas as pd

        from pandera.api import extensions
        from pandera.api.checks import Check
        from pandera.api.pandas.components import Column
        from pandera.api.pandas.container import DataFrameSchema
        from pandera.errors import SchemaErrors

        import pandera.backends.base.builtin_checks  # noqa: F401  (the stubs the pandas built-ins implement)
        import pandera.backends.base.builtin_hypotheses  # noqa: F401
        import pandera.strategies.pandas_strategies  # noqa: F401  (what registering a check imports)

        # The pandas backends, registered once (pandera does it at the first validation, importing its
        # deprecated API for one class of it to register too; a bare subclass stands in for that class here).
        deprecated = types.ModuleType("pandera._pandas_deprecated")
        deprecated.DataFrameSchema = type("DataFrameSchema", (DataFrameSchema,), {})  # type: ignore[attr-defined]
        sys.modules["pandera._pandas_deprecated"] = deprecated
        try:
            DataFrameSchema.register_default_backends(pd.DataFrame)
            DataFrameSchema.register_default_backends(pd.Series)
        finally:
            del sys.modules["pandera._pandas_deprecated"]
    finally:
        for name in placed:
            if sys.modules.get(name) is standins[name]:
                del sys.modules[name]
    if _KEPT:
        sys.meta_path.insert(0, _WATCH)
    state["ready"] = True
    return DataFrameSchema, Column, Check, SchemaErrors, extensions


def _whole() -> tuple[Any, Any, Any, Any, Any]:
    import pandera.pandas as pa
    import pandera.strategies.pandas_strategies  # noqa: F401
    from pandera.api import extensions

    return pa.DataFrameSchema, pa.Column, pa.Check, pa.errors.SchemaErrors, extensions


def _load() -> tuple[Any, Any, Any, Any, Any]:
    global _LIGHT
    if "pandera" in sys.modules:  # pandera itself was imported before batchkit: use it
        return _whole()
    try:
        parts = _light()
        _LIGHT = True
        return parts
    except Exception:  # an installed pandera this does not fit: all of it, as pandera itself imports
        for name in [n for n in sys.modules if n == "pandera" or n.startswith("pandera.")]:
            del sys.modules[name]
        _KEPT.clear()
        if _WATCH in sys.meta_path:
            sys.meta_path.remove(_WATCH)
        return _whole()


_HIDE = "hypothesis" not in sys.modules
if _HIDE:
    sys.modules["hypothesis"] = None  # type: ignore[assignment]
try:
    DataFrameSchema, Column, Check, SchemaErrors, extensions = _load()
finally:
    if _HIDE:
        del sys.modules["hypothesis"]
gc.freeze()

__all__ = ["Check", "Column", "DataFrameSchema", "SchemaErrors", "extensions"]
