"""The README's example prints what its comments say, on every backend.

The example is read from README.md and run as written (in a temporary folder
holding the book's sample_weight.pkl, with the full MNIST files of the test
data).  A comment ``# 0.9632`` after a ``print`` is the value the README claims;
``(see below)`` in it means the paragraph after the example lists the other
values it takes on other builds.
"""
import contextlib
import io
import os
import re
import shutil

README = os.path.join(os.path.dirname(__file__), os.pardir, "README.md")
NUMBER = re.compile(r"\d+\.\d+")


def readme_example():
    """(code of the first python block, the paragraph after it) from README.md."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"```python\n(.*?)```\n+(.*?)\n\n", text, re.S)
    assert match, "README.md has no python example"
    return match.group(1), match.group(2)


def claimed_values(code, after):
    """One set of accepted printed values per ``print(...)  # value`` line."""
    claims = []
    for line in code.splitlines():
        if line.startswith("print("):
            comment = line.partition("#")[2]
            values = set(NUMBER.findall(comment)[:1])
            assert values, f"README.md: no claimed value after {line!r}"
            if "see below" in comment:
                values |= set(NUMBER.findall(after))
            claims.append(values)
    return claims


def test_the_readme_example_prints_its_claimed_numbers(backend, mnist_dir, reference_dir,
                                                       tmp_path, monkeypatch):
    code, after = readme_example()
    claims = claimed_values(code, after)
    assert len(claims) >= 2
    shutil.copy(os.path.join(reference_dir, "sample_weight.pkl"), tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNCORE_DATA", mnist_dir)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, README, "exec"), {"__name__": "__readme__"})
    printed = out.getvalue().split()
    assert len(printed) == len(claims), out.getvalue()
    for value, accepted in zip(printed, claims):
        assert value in accepted, f"README.md claims {sorted(accepted)}, the code printed {value}"
    assert (tmp_path / "mnist.npz").is_file()
