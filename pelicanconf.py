"""Pelican settings for previewing the fact-sheet site locally."""

AUTHOR = "Fact-sheet desk"
SITENAME = "Fact sheets"
SITEURL = ""
RELATIVE_URLS = True

PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["factsheets"]
FACTSHEETS_PATH = "factsheets"
# Validated fact-sheet files and compiled templates are cached, signed with a per-user key, in the
# user's cache folder (~/.cache/factsheets); FACTSHEETS_CACHE_PATH chooses another, FACTSHEETS_CACHE = False: off.
# Pelican's own caches (of articles and pages, pickles read back unchecked) stay off.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# The site is made only of fact-sheet pages: no blog articles, no Pelican pages.
ARTICLE_PATHS: list[str] = []
PAGE_PATHS: list[str] = []
STATIC_PATHS: list[str] = []
DIRECT_TEMPLATES: list[str] = []
ARTICLE_SAVE_AS = ""
PAGE_SAVE_AS = ""
TAG_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
AUTHOR_SAVE_AS = ""

FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True}

# Files in output/ that a build keeps (a custom domain for GitHub Pages, a deploy checkout).
OUTPUT_RETENTION = ["CNAME", ".git"]
