"""Print nncore's internal import graph and say whether it has a cycle.

    python tools/import_graph.py [package folder, default: nncore]

Each line is ``module -> imported modules``; an import inside a function is
marked ``(late)``.  A late import whose line says ``# upward edge`` is a declared
façade over a module above (marked ``(upward)``): it is left out of the cycle
check and listed at the end.  Modules are ordered bottom-up (a module after
everything it imports) when the graph has no cycle; otherwise the cycles are
listed.  The exit status is 1 when there is a cycle.
"""
import ast
import os
import sys


def _module_name(root, path):
    rel = os.path.relpath(path, os.path.dirname(root))[:-3].replace(os.sep, ".")
    return rel[:-len(".__init__")] if rel.endswith(".__init__") else rel


def _resolve(current, is_package, node, modules):
    """Absolute names of the package's modules an ``import`` node refers to."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = current if is_package else current.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    module = node.module if node.level == 0 else ".".join(filter(None, [base, node.module]))
    # ``from . import x`` names the submodule x, not the package's __init__
    return [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
            for alias in node.names]


def imports(root):
    """{module: {imported module: "top" (at import time), "late" (in a function) or "upward"}}."""
    modules = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        for name in files:
            if name.endswith((".py", ".pyx")):  # a .pyx is a compiled module: a leaf here
                path = os.path.join(folder, name)
                modules[_module_name(root, path[:-1] if name.endswith("x") else path)] = path
    graph = {}
    for module, path in sorted(modules.items()):
        edges = graph[module] = {}
        if path.endswith(".pyx"):
            continue
        with open(path, encoding="utf-8") as f:
            source = f.read()
        tree = ast.parse(source, path)
        lines = source.splitlines()
        late = set()  # imports inside a function run when it is called, not at import
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                late.update(id(n) for n in ast.walk(node))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _resolve(module, path.endswith("__init__.py"), node, modules):
                    if target in modules and target != module:
                        kind = "top" if id(node) not in late else (
                            "upward" if "# upward edge" in lines[node.lineno - 1] else "late")
                        if edges.get(target) != "top":
                            edges[target] = kind
    return graph


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in (w for w, kind in graph[v].items() if kind != "upward"):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def bottom_up(graph):
    order, done = [], set()

    def visit(v):
        if v in done:
            return
        done.add(v)
        for w in sorted(w for w, kind in graph[v].items() if kind != "upward"):
            visit(w)
        order.append(v)

    for v in sorted(graph):
        visit(v)
    return order


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else "nncore")
    graph = imports(root)
    found = cycles(graph)
    for module in bottom_up(graph) if not found else sorted(graph):
        edges = graph[module]
        listed = ", ".join(t + ("" if kind == "top" else f" ({kind})")
                           for t, kind in sorted(edges.items()))
        print(f"{module} -> {listed or '-'}")
    if found:
        for component in found:
            print("cycle: " + " <-> ".join(component))
        return 1
    upward = [f"{m} -> {t}" for m in sorted(graph) for t, k in graph[m].items() if k == "upward"]
    print("no cycle; declared upward edges: " + (", ".join(upward) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
