"""Pelican settings for previewing the fact-sheet site locally."""

# Who publishes, under what name, and how readers reach them: in every page's header and footer, the About
# page, the changes feed and the structured data; who owns the desk and how it is funded: on the About page.
# The project ships no desk's details: the publisher and contact below are placeholders and the owner and
# funding are not stated, so every build warns and `make publish` (FACTSHEETS_PUBLISHING) refuses until you set
# your desk's own here.
SITENAME = "Il-76 and prisoner exchange fact sheets"
FACTSHEETS_PUBLISHER = "Fact-sheet desk"
FACTSHEETS_CONTACT = "factsheets@example.org"
FACTSHEETS_OWNER = None  # e.g. "The desk is a project of ..., a non-profit company owned by ..."
FACTSHEETS_FUNDING = None  # e.g. "Funded by readers' donations and a grant from ...; no funder sees a check."
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

# The site is made of fact-sheet pages and a few Pelican pages (About, Methodology, Corrections policy) from
# content/pages/*.md, rendered with theme/templates/page.html (their HTML is sanitised); no blog articles.
ARTICLE_PATHS: list[str] = []
PAGE_PATHS = ["pages"]
PAGE_URL = "pages/{slug}.html"
PAGE_SAVE_AS = "pages/{slug}.html"
PAGE_ORDER_BY = "order"  # the Order: line of each page: their order in the navigation
STATIC_PATHS: list[str] = []
DIRECT_TEMPLATES: list[str] = []
ARTICLE_SAVE_AS = ""
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
