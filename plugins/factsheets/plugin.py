"""Pelican glue: a generator whose two phases call the pipeline, and nothing more."""

from __future__ import annotations

import sys
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from .pipeline import DEFAULT_FACTSHEETS_FOLDER, read_site, write_site
from .problems import ContentError
from .render import Page

DEFAULT_CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'"
)
"""The site's own files only: content can never bring in a script, a style or a frame."""


class FactSheetGenerator(Generator):
    """Reads the fact sheets when created, writes their pages in generate_output."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every string from a fact sheet is escaped, whatever JINJA_ENVIRONMENT says.
        self.env.autoescape = True
        # Read and check the content now: Pelican creates generators before it
        # cleans the output folder, so bad content exits with the last good site intact.
        folder = self.settings.get("FACTSHEETS_PATH", DEFAULT_FACTSHEETS_FOLDER)
        try:
            self.site = read_site(Path(self.path), folder)
        except ContentError as error:
            print(error, file=sys.stderr)
            raise SystemExit(1) from None

    def generate_context(self) -> None:
        self.context["factsheets"] = self.site
        self.context.setdefault("FACTSHEETS_CSP", DEFAULT_CSP)

    def generate_output(self, writer) -> None:
        def write_page(page: Page) -> None:
            writer.write_file(
                page.save_as,
                self.get_template(page.template),
                self.context,
                relative_urls=self.settings["RELATIVE_URLS"],
                page_title=page.title,
                page_url=page.save_as,
                **page.context,
            )

        write_site(self.site, write_page)


def get_generators(pelican) -> type[FactSheetGenerator]:
    return FactSheetGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
