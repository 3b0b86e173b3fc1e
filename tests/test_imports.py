"""No import cycle in uintrlab: every import of a uintrlab module by another, at module
level or inside a function, read from the source (ast), must form an acyclic graph."""
import ast
from pathlib import Path

import uintrlab

PKG = Path(uintrlab.__file__).parent


def module_name(path: Path) -> str:
    parts = ("uintrlab",) + path.relative_to(PKG).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The uintrlab modules ``name`` imports (a module inside a package also imports the
    package's ``__init__``, unless the importer is inside that package)."""
    is_pkg = path.name == "__init__.py"
    here = name if is_pkg else name.rsplit(".", 1)[0]       # the package of relative imports
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # "from pkg import x": x is a submodule or a name defined in pkg
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod
                       for a in node.names]
        else:
            continue
        for t in targets:
            if t not in known:
                continue
            parts = t.split(".")
            for k in range(2, len(parts) + 1):          # the packages on the way, then t
                m = ".".join(parts[:k])
                if m in known and not (m != t and (name == m or name.startswith(m + "."))):
                    found.add(m)
    found.discard(name)
    return found


def find_cycle(graph: dict[str, set[str]]):
    state, stack = {}, []

    def visit(n):
        state[n] = "open"
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == "open":
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = "done"
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def test_no_import_cycle_in_uintrlab():
    mods = modules()
    graph = {n: imports(n, p, set(mods)) for n, p in mods.items()}
    assert "uintrlab.samples" in graph and "uintrlab.stats.comparison" in graph
    assert graph["uintrlab.samples"] == set(), "samples is the lowest layer"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
