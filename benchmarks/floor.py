"""The floor: a bare Jinja2 loop that renders and writes N trivial pages, and nothing else.

    python benchmarks/floor.py --pages 2000 --out /tmp/floor

No content is read, parsed or checked; no links are computed. Any static site
generator in Python does at least this much work per page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jinja2 import DictLoader, Environment

TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }} · Floor</title></head>
<body>
<main>
<h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}
<p><a href="page-{{ previous }}.html">Previous</a> · <a href="page-{{ following }}.html">Next</a></p>
</main>
</body>
</html>
"""
PARAGRAPHS = [
    "A short paragraph of ordinary text, the same on every page.",
    "Another paragraph, so that the page is not empty; it has a <mark>few</mark> characters to escape.",
]


def write_pages(pages: int, out: Path) -> None:
    environment = Environment(loader=DictLoader({"page.html": TEMPLATE}), autoescape=True)
    template = environment.get_template("page.html")
    out.mkdir(parents=True, exist_ok=True)
    for index in range(pages):
        html = template.render(
            title=f"Page {index}", paragraphs=PARAGRAPHS, previous=(index - 1) % pages, following=(index + 1) % pages
        )
        (out / f"page-{index}.html").write_text(html, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render and write N trivial pages with Jinja2.")
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args(argv)
    write_pages(arguments.pages, arguments.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
