"""The DVC graph cannot lie: every stage declares in dvc.yaml every pipeline module it imports
(directly or transitively) and every params key it reads, its paths come from dvc.yaml, and no
stage imports another.  Computed from the source with `ast`, so new modules and stages are covered
without editing this file."""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import resolved_stages

ROOT = Path(__file__).resolve().parents[1]
PARAMS_LOADER = "pipeline.params"


def module_file(root: Path, name: str) -> Path | None:
    base = root / Path(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def imported_names(root: Path, file: Path) -> set[str]:
    """Every `pipeline.*` name imported anywhere in the file (functions and TYPE_CHECKING blocks too:
    a conservative closure never misses a dependency)."""
    relative = file.relative_to(root).with_suffix("")
    package = ".".join(relative.parts[:-1])  # a module's package; for __init__.py the package itself
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names |= {base, *(f"{base}.{alias.name}" for alias in node.names)}
    return {n for n in names if n.split(".")[0] == "pipeline"}


def import_closure(root: Path, module: str) -> set[str]:
    """Files of every pipeline module Python executes for `python -m module` (packages' __init__ too)."""
    seen: dict[str, Path] = {}
    todo = [module]
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            file = module_file(root, name)
            if file is not None and name not in seen:
                seen[name] = file
                todo.extend(sorted(imported_names(root, file)))
    return {f.relative_to(root).as_posix() for f in seen.values()}


def stage_module(cmd: str) -> str:
    words = cmd.split()
    return words[words.index("-m") + 1]


def params_reads(file: Path) -> set[str]:
    """`section.key` (or a whole `section`, or `*` for all) read from the object `load()` returns."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    loaded: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name) and func.id == "load":
                loaded |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    reads: set[str] = set()
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in loaded and isinstance(node.ctx, ast.Load):
            chain: list[str] = []
            current: ast.AST = node
            while isinstance(parents.get(current), ast.Attribute) and len(chain) < 2:
                current = parents[current]
                chain.append(current.attr)  # type: ignore[attr-defined]
            reads.add(".".join(chain) if chain else "*")
    return reads


def declared_params(stage: dict) -> set[str]:
    out: set[str] = set()
    for entry in stage.get("params", []):
        if isinstance(entry, dict):  # {params-file: [keys]}
            out |= {k for keys in entry.values() for k in keys}
        else:
            out.add(entry)
    return out


def covered(path: str, declared: set[str]) -> bool:
    """A file is covered by itself or by a declared folder that contains it."""
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in declared)


def outputs(stage: dict) -> set[str]:
    out: set[str] = set()
    for key in ("outs", "metrics", "plots"):
        for entry in stage.get(key, []):
            out |= set(entry) if isinstance(entry, dict) else {entry}
    return out


def graph_problems(root: Path) -> Iterator[str]:
    """Everything dvc.yaml gets wrong about the code, one line each (empty when the graph is true)."""
    from pipeline.params import Params

    sections = set(Params.__dataclass_fields__)
    for name, stage in resolved_stages(root).items():
        module = stage_module(stage["cmd"])
        closure = import_closure(root, module)
        deps = set(stage.get("deps", []))
        for file in sorted(closure):
            if not covered(file, deps):
                yield f"{name}: imports {file} but dvc.yaml does not list it in deps"
        for dep in sorted(d for d in deps if d.startswith("pipeline/") and d.endswith(".py")):
            if dep not in closure:
                yield f"{name}: lists {dep} in deps but never imports it"
        others = sorted(f for f in closure if f.startswith("pipeline/stages/") and not f.endswith("__init__.py"))
        if len(others) > 1:
            yield f"{name}: a stage imports another stage ({', '.join(others)})"
        declared = declared_params(stage)
        entry = module_file(root, module)
        reads = params_reads(entry) if entry is not None else {"*"}
        for read in sorted(reads):
            needed = sections if read == "*" else {read}
            for key in sorted(needed):
                if key not in declared and key.split(".")[0] not in declared:
                    yield f"{name}: reads params {key} but dvc.yaml does not list it in params"
        for key in sorted(declared):
            if not any(r == "*" or r == key or r.split(".")[0] == key or r == key.split(".")[0] for r in reads):
                yield f"{name}: lists params {key} but never reads it"
        words, outs = stage["cmd"].split(), outputs(stage)
        for path in [words[i + 1] for i, w in enumerate(words[:-1]) if w.startswith("--")]:
            if not (covered(path, deps) or path in outs or any(o.startswith(path + "/") for o in outs)):
                yield f"{name}: command-line path {path} is neither a dep nor an output"


def test_dvc_yaml_declares_every_import_and_params_read() -> None:
    assert list(graph_problems(ROOT)) == []


def test_a_planted_undeclared_import_is_caught(tmp_path: Path) -> None:
    """The check above is not vacuous: an import added to a stage without declaring it fails it."""
    for name in ("pipeline", "dvc.yaml", "params.yaml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    stage = tmp_path / "pipeline/stages/ingest.py"
    stage.write_text(stage.read_text(encoding="utf-8") + "\nfrom pipeline.evaluation import label_string  # noqa\n")
    problems = list(graph_problems(tmp_path))
    assert "ingest: imports pipeline/evaluation.py but dvc.yaml does not list it in deps" in problems
    assert "ingest: imports pipeline/metrics.py but dvc.yaml does not list it in deps" in problems  # transitively


def test_a_planted_undeclared_params_read_is_caught(tmp_path: Path) -> None:
    for name in ("pipeline", "dvc.yaml", "params.yaml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    stage = tmp_path / "pipeline/stages/segment.py"
    text = stage.read_text(encoding="utf-8")
    stage.write_text(text.replace("params = load()", "params = load()\n    print(params.topics.topn)"))
    assert "segment: reads params topics.topn but dvc.yaml does not list it in params" in list(graph_problems(tmp_path))


def test_only_stages_load_params_and_nothing_imports_a_stage() -> None:
    """Library code gets typed params passed in; tests and benchmarks import the library."""
    for file in sorted(ROOT.glob("pipeline/**/*.py")):
        if "stages" in file.parts:
            continue
        source = file.read_text(encoding="utf-8")
        assert "pipeline.stages" not in source, f"{file} imports a stage"
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module == PARAMS_LOADER:
                loaders = {a.name for a in node.names} & {"load"}
                assert not loaders, f"{file} loads params itself; a stage passes it the typed section"
    for file in sorted([*ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/**/*.py")]):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline.stages"):
                pytest.fail(f"{file.name} imports {node.module}; import the library module instead")
