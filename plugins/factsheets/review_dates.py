"""Review dates: when the desk means to look at a check again, and which checks are due (`factsheets due`).

A claim's `review_by` is the desk's own date. The build's today is the setting FACTSHEETS_TODAY, else the day
the build runs (dates.build_today). A claim is due for review once today is past its review date; a partial
date counts as its whole span ('2027-01' falls due on 1 February 2027). Until then its page says "Next review by
..." in the small print; from then on it says, by the verdict and in words, that the check may be out of date.

Which claims are due is part of what every page says of the site (``Publication.due_for_review``): an update
of the last build's output is a whole build when a claim has fallen due since, and the pages never depend on
the day beyond that.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .graph import ClaimNode
from .models import certainly_before
from .problems import printable
from .wording import describe_date


def is_due(claim: ClaimNode, today: datetime.date) -> bool:
    """Whether today is past the claim's review date (a claim without one is never due)."""
    review_by = claim.record.review_by
    return bool(review_by) and certainly_before(review_by, today.isoformat())


def due_for_review(claims: Iterable[ClaimNode], today: datetime.date) -> list[ClaimNode]:
    """The claims due for review on today, the longest overdue first (then by id: the same list every time)."""
    due = [claim for claim in claims if is_due(claim, today)]
    return sorted(due, key=lambda claim: (claim.record.review_by, claim.record.id))


@dataclass(frozen=True)
class ReviewNotice:
    """What a claim page says of its review date."""

    due: bool
    """True once the date has passed: the page says the check may be out of date."""
    date: str
    """The review date as written (YYYY-MM-DD, or a partial date)."""

    @property
    def date_text(self) -> str:
        return describe_date(self.date)

    @property
    def lead(self) -> str:
        """The notice's first words, with its date: 'Due for review since 15 January 2027'."""
        return f"Due for review since {self.date_text}" if self.due else f"Next review by {self.date_text}"


def review_notice(claim: ClaimNode, due_for_review: Collection[str]) -> ReviewNotice | None:
    """The notice of a claim with a review date: due when its id is among those due on the build's today."""
    if not claim.record.review_by:
        return None
    return ReviewNotice(claim.record.id in due_for_review, claim.record.review_by)


def due_report(claims: Iterable[ClaimNode], today: datetime.date) -> list[str]:
    """`factsheets due`: a line for each claim due (date due, id, status, statement), oldest first, then a count.

    Every line is escaped for the terminal as problems are (problems.printable): a statement can hold no
    control character, but bidi overrides and the like would still reorder what the desk reads."""
    due = due_for_review(claims, today)
    lines = [_due_line(claim) for claim in due]
    count = "no claim is" if not due else ("1 claim is" if len(due) == 1 else f"{len(due)} claims are")
    return [*lines, f"{count[0].upper()}{count[1:]} due for review on {describe_date(today.isoformat())}."]


def _due_line(claim: ClaimNode) -> str:
    record = claim.record
    statement = " ".join(record.statement.split())
    return printable(f"{record.review_by}  {record.id}  {record.status}  {statement}")
