"""The README's complete example builds as it is written: its YAML blocks, saved one after the other as its
instructions say, beside the archived text the repository ships, pass the check and build linked pages."""

from __future__ import annotations

import re
import shutil
import subprocess

from helpers import BIN, ROOT, read_page, run_check

START, END = "<!-- example:start -->", "<!-- example:end -->"


def readme_example() -> tuple[list[str], str]:
    """The YAML blocks between the example's markers, and the shell block that says how to try them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(START) : readme.index(END)]
    before = readme[: readme.index(START)]
    return re.findall(r"```yaml\n(.*?)```", section, re.S), re.findall(r"```sh\n(.*?)```", before, re.S)[-1]


def test_the_readme_example_builds_as_written(tmp_path):
    blocks, instructions = readme_example()
    assert [block.split(":", 1)[0] for block in blocks] == ["sources", "actors", "events", "staff", "claims"]
    shipped = re.search(r"^cp (\S+) example/sources/$", instructions, re.M).group(1)
    assert (ROOT / shipped).is_file()
    content = tmp_path / "example"
    (content / "factsheets").mkdir(parents=True)
    (content / "sources").mkdir()
    shutil.copy(ROOT / shipped, content / "sources")
    (content / "factsheets" / "example.yaml").write_text("".join(blocks), encoding="utf-8")

    checked = run_check(content)
    assert checked.returncode == 0, checked.stderr
    assert "1 claims, 1 events, 3 actors, 1 sources, 2 quotes checked: no problems." in checked.stdout

    output = tmp_path / "example-output"
    built = subprocess.run(
        [str(BIN / "factsheets"), "build", "-o", str(output), str(content)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    claim = read_page(output, "claims/monday-closure-saves-40000-pounds.html")
    assert claim.select_one("main h1").get_text(" ", strip=True).startswith("A Millbrook Town Council spokesperson")
    quotes = [quote.get_text(" ", strip=True) for quote in claim.select("main blockquote")]
    assert any("save the town about 40,000 pounds a year" in quote for quote in quotes), quotes
    assert any("has not shown us how it arrived at that number" in quote for quote in quotes), quotes
    hrefs = {a["href"] for a in claim.select("main a[href]")}
    assert {
        "../actors/millbrook-town-council.html",
        "../actors/friends-of-millbrook-library.html",
        "../events/millbrook-library-monday-closure.html",
    } <= hrefs
    source = read_page(output, "sources/millbrook-courier-2023-06-02.html")
    assert "../actors/millbrook-courier.html" in {a["href"] for a in source.select("main a[href]")}
    event = read_page(output, "events/millbrook-library-monday-closure.html")
    assert "../claims/monday-closure-saves-40000-pounds.html" in {a["href"] for a in event.select("main a[href]")}
