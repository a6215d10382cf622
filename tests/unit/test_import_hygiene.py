"""Every module is under the import contract, importing one does nothing, and the state that lives
as long as the process is named in one place (the README's "State that lives as long as the
process" table)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]
ENTRY_POINTS = {"app.py", "cli.py"}  # grimp takes no top-level module as a root: they stay a few lines
STATEFUL = {  # constructors of objects that hold state between calls
    "Lock", "RLock", "Event", "Semaphore", "BoundedSemaphore", "Condition", "local",
    "ThreadPoolExecutor", "ProcessPoolExecutor", "WeakKeyDictionary", "WeakValueDictionary", "WeakSet",
    "ContextVar", "Queue", "SimpleQueue", "defaultdict", "deque", "OrderedDict", "Counter",
}  # fmt: skip
CACHES = {"cache", "lru_cache", "cache_resource", "cache_data"}


def modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def name_of(node: ast.expr) -> str:
    """``functools.cache`` -> ``cache``; ``st.cache_resource(...)`` -> ``cache_resource``."""
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def mutable_classes() -> set[str]:
    """The project's classes whose instances can change (not frozen dataclasses, tuples, enums)."""
    found = set()
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            calls = [d for d in node.decorator_list if isinstance(d, ast.Call)]
            frozen = any(keyword.arg == "frozen" for call in calls for keyword in call.keywords)
            bases = {name_of(base) for base in node.bases}
            if not frozen and not bases & {"NamedTuple", "Enum", "StrEnum", "Exception", "Protocol"}:
                found.add(node.name)
    return found


def module_state() -> set[tuple[str, str]]:
    """(module, name) of every module-level object that holds state, and every call a module makes
    when it is imported."""
    classes = mutable_classes()
    found = set()
    for path in modules():
        module = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text())
        for node in tree.body:
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            empty = isinstance(value, ast.Dict | ast.List | ast.Set) and not (
                value.keys if isinstance(value, ast.Dict) else value.elts
            )
            built = isinstance(value, ast.Call) and name_of(value) in STATEFUL | classes
            if empty or built:
                found |= {(module, t.id) for t in targets if isinstance(t, ast.Name)}
            if isinstance(node, ast.FunctionDef) and any(name_of(d) in CACHES for d in node.decorator_list):
                found.add((module, node.name))
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                found.add((module, name_of(node.value)))  # a call made at import
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                found |= {(module, name) for name in node.names}
    return found


def named_in_readme() -> set[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("### State that lives as long as the process", 1)[1].split("\n#", 1)[0]
    named = set()
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 3 and cells[1].strip().startswith("`"):
            module = cells[1].strip().strip("`")
            named |= {(module, name) for name in re.findall(r"`([\w.]+)`", cells[2])}
    return named


def test_every_python_module_outside_tests_is_under_the_import_contract():
    outside = {
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path.relative_to(ROOT).parts[0] not in {*PACKAGES, "tests", "notebooks"}
        and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
    }
    assert outside == ENTRY_POINTS
    for entry in ENTRY_POINTS:  # a docstring, imports from ui, and the call of its main()
        body = ast.parse((ROOT / entry).read_text()).body[1:]
        imports = [node for node in body if isinstance(node, ast.Import | ast.ImportFrom)]
        assert len(body) - len(imports) == 1 and len(imports) <= 2, entry
        assert any(isinstance(node, ast.ImportFrom) and node.module.startswith("ui.") for node in imports)


def test_state_that_lives_as_long_as_the_process_is_named_in_the_readme():
    found, named = module_state(), named_in_readme()
    assert found - named == set(), "name it (and say why) in the README's table, or remove it"
    assert named - found == set(), "the README's table names state that is gone"


def libraries() -> list[str]:
    """The outside packages our modules import when they load."""
    found = set()
    for path in modules():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            found |= {name for name in names if name.split(".")[0] not in {*PACKAGES, "__future__"}}
    return sorted(found)


def test_importing_every_module_builds_nothing_and_changes_nothing():
    """Measured after the outside libraries load (Streamlit sets ``MPLBACKEND`` itself)."""
    names = [".".join(path.relative_to(ROOT).with_suffix("").parts) for path in modules()]
    names = [name.removesuffix(".__init__") for name in names]
    probe = f"""
import json, os, sys, threading
for name in {libraries()!r}:
    __import__(name)
before = dict(os.environ)
threads = threading.active_count()
for name in {names!r}:
    __import__(name)
print(json.dumps({{
    "environ": sorted(set(os.environ.items()) ^ set(before.items())),
    "threads": threading.active_count() - threads,
    "loaded": [m for m in ("llama_cpp",) if m in sys.modules],
}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report == {"environ": [], "threads": 0, "loaded": []}, done.stderr[-2000:]
