"""Pelican settings for publishing: the preview settings with the public address, behind the publishing gate.

Set SITEURL to where the site is served, e.g. `SITEURL=https://example.org/fact-sheets make publish`;
without it the build stops: there is no default address. Links between pages stay relative, so the
site also works under a sub-path and from disk; SITEURL makes canonical links, Open Graph URLs, the
sitemap, robots.txt, the feed and the 404 page absolute.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # this project's pelicanconf, from any folder
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("SITEURL", "").strip().rstrip("/")
if not SITEURL.startswith(("https://", "http://")):
    raise SystemExit(
        "publishconf.py: set SITEURL to the address the site is published at, "
        "e.g. SITEURL=https://example.org make publish"
    )
RELATIVE_URLS = True
# The publishing gate: a placeholder or missing publisher, contact, owner or funding (pelicanconf.py), and a claim
# without a checker and a different editor, stop the build, with one line each; the preview and `make html` warn.
FACTSHEETS_PUBLISHING = True
# No DELETE_OUTPUT_DIRECTORY: `factsheets build` swaps a whole new build in, and plain `pelican` with it
# would empty whatever folder -o names.
