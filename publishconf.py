"""Pelican settings for publishing: the preview settings with the public address.

Set SITEURL to where the site is served, e.g. `SITEURL=https://example.org/il76-factsheet make publish`.
Links between pages stay relative, so the site also works under a sub-path and from disk; SITEURL
makes canonical links, Open Graph URLs, the sitemap, robots.txt, the feed and the 404 page absolute.
"""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("SITEURL", "https://example.org/il76-factsheet").rstrip("/")
RELATIVE_URLS = True
DELETE_OUTPUT_DIRECTORY = True
