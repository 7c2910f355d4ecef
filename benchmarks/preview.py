"""Time the preview server's incremental rebuild: build once, edit one claim, update.

    python benchmarks/preview.py CONTENT OUTPUT SETTINGS

Prints JSON: the seconds until the edited claim's page is written again (when the browser is told to
reload) and until every page that reads the claim, the data files and the search index are done.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from report import PreviewResult
from run import edit_one_claim

from factsheets.incremental import LiveSite, Outcome


def main(content: Path, output: Path, settings: Path) -> PreviewResult:
    live = LiveSite(settings, content, output)
    started = time.perf_counter()
    if not live.build_all():
        raise SystemExit("the preview's first build failed")
    first_build = time.perf_counter() - started
    claim = edit_one_claim(content)
    marks: dict[str, float] = {}
    started = time.perf_counter()
    update = live.update(after_first_pages=lambda: marks.setdefault("edited_page", time.perf_counter() - started))
    pages_done = time.perf_counter() - started
    live.reindex_search()
    return PreviewResult(
        outcome=update.outcome.value,
        claim=claim,
        changed_records=update.changed_records,
        pages_rendered=update.pages,
        first_build_seconds=round(first_build, 3),
        edited_page_seconds=round(marks.get("edited_page", float("nan")), 3),
        pages_and_data_seconds=round(pages_done, 3),
        with_search_index_seconds=round(time.perf_counter() - started, 3),
        outcome_ok=update.outcome is Outcome.UPDATED,
    )


if __name__ == "__main__":
    print(json.dumps(asdict(main(*(Path(argument).resolve() for argument in sys.argv[1:4])))))
