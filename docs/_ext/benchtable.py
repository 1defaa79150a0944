"""``.. benchmark-table:: PATH``: a table of a benchmark run, read from the file that
holds what ``benchmarks/bench.py`` printed (its Markdown tables), so the page shows
the run's own numbers as a real table.

Option ``:table: N`` picks the N-th table of the file (0 is the first).
"""
import os

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList


def markdown_tables(text):
    """Every Markdown table in ``text`` as a list of rows (lists of cell strings)."""
    tables, rows = [], []
    for line in text.splitlines() + [""]:
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            cells = [cell.strip() for cell in line[1:-1].split("|")]
            if not all(set(cell) <= set("-: ") for cell in cells):  # not the |---| line
                rows.append(cells)
        elif rows:
            tables.append(rows)
            rows = []
    return tables


class BenchmarkTable(Directive):
    required_arguments = 1
    option_spec = {"table": directives.nonnegative_int}
    has_content = False

    def run(self):
        env = self.state.document.settings.env
        relative, path = env.relfn2path(self.arguments[0])
        env.note_dependency(relative)
        with open(path, encoding="utf-8") as f:
            tables = markdown_tables(f.read())
        index = self.options.get("table", 0)
        if index >= len(tables):
            raise self.error(f"{path} holds {len(tables)} table(s); no table {index}")
        lines = [".. list-table::", "   :header-rows: 1", ""]
        for row in tables[index]:
            for n, cell in enumerate(row):
                lines.append(("   * - " if n == 0 else "     - ") + (cell or "\\"))
        container = nodes.container(classes=["benchmark-table"])
        self.state.nested_parse(StringList(lines, source=path), self.content_offset, container)
        return [container]


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    return {"parallel_read_safe": True, "version": "1"}
