"""The layout rules of the code base, checked on the files themselves (no Snakemake run).

* every module of the library and the scripts holds at most 400 lines and every function at
  most 60, so each reads in one sitting;
* the .smk files hold Snakemake directives and thin input functions only: the Python they run at
  DAG-build time (tables, re-run policy) lives in isobench/dag.py, where it is unit-tested;
* stage X is rules/X.smk -> scripts/X.py -> isobench/X (package or module).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
SOURCES = sorted(p for folder in ("isobench", "scripts") for p in (ROOT / folder).rglob("*.py"))
SMK = sorted((ROOT / "rules").glob("*.smk"))
# Top-level Snakemake keywords whose indented block is a directive, not Python.
DIRECTIVE = re.compile(
    r"^(rule|checkpoint|include|configfile|report|wildcard_constraints|localrules|ruleorder|"
    r"onstart|onsuccess|onerror|module|use|pepfile|pepschema|container|conda|envvars)\b"
)


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_modules_and_functions_are_small(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{_rel(path)}: split it along its concepts"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_rel(path)}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def python_of(smk: str) -> str:
    """The top-level Python of a .smk file: everything outside its directive blocks."""
    kept, in_block = [], False
    for line in smk.splitlines():
        if DIRECTIVE.match(line):
            in_block = True
            kept.append("")
            continue
        if in_block and (not line.strip() or line[:1] in " \t"):
            kept.append("")
            continue
        in_block = False
        kept.append(line)
    return "\n".join(kept)


def _is_validation(node: ast.AST) -> bool:
    """``validate(config, schema)``: the one call a rule file makes at the top level."""
    call = node.value if isinstance(node, ast.Expr) else None
    return isinstance(call, ast.Call) and getattr(call.func, "id", None) == "validate"


def _is_input_function(node: ast.AST) -> bool:
    """``def f(wildcards): return <expression>`` (a docstring allowed)."""
    if not isinstance(node, ast.FunctionDef) or [a.arg for a in node.args.args] != ["wildcards"]:
        return False
    body = node.body[1:] if ast.get_docstring(node) else node.body
    return len(body) == 1 and isinstance(body[0], ast.Return)


@pytest.mark.parametrize("path", SMK, ids=_rel)
def test_smk_files_hold_directives_and_input_functions_only(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s+(run|shell):", text, re.M), f"{_rel(path)}: use a script"
    for node in ast.parse(python_of(text)).body:
        allowed = (
            isinstance(node, ast.Import | ast.ImportFrom | ast.Assign)
            or _is_validation(node)
            or _is_input_function(node)
        )
        assert allowed, (
            f"{_rel(path)}, line {node.lineno}: {type(node).__name__} belongs in isobench/dag.py"
        )
        loops = [
            n for n in ast.walk(node) if isinstance(n, ast.For | ast.While | ast.comprehension)
        ]
        assert not loops, f"{_rel(path)}, line {node.lineno}: a loop belongs in isobench/dag.py"


STAGES = sorted(p.stem for p in SMK if p.stem != "common")


@pytest.mark.parametrize("stage", STAGES)
def test_one_name_per_stage(stage):
    assert (ROOT / "scripts" / f"{stage}.py").is_file(), f"scripts/{stage}.py"
    package = ROOT / "isobench" / stage
    assert package.is_dir() or package.with_suffix(".py").is_file(), f"isobench/{stage}"
    text = (ROOT / "rules" / f"{stage}.smk").read_text()
    scripts = set(re.findall(r'"\.\./scripts/([\w]+)\.py"', text))
    assert scripts <= {stage}, f"rules/{stage}.smk runs scripts of other stages: {scripts}"
