"""A paginator for lists of millions of rows: it counts up to a cap, not every row."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Fifty rows a page: two hundred pages is more than anyone pages through; past that, filter.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows (`SELECT count(*) FROM (... LIMIT cap + 1)`).

    Counting a state's 1,250,000 traces on every list page reads them all
    (about a second on 2 cores); the count of a capped subquery stops at the
    cap, so an unselective filter is as quick as a selective one. `capped`
    says the list has more rows than `count` shows.
    """

    def __init__(self, *args: object, cap: int = COUNT_CAP, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.cap = cap

    @cached_property
    def count(self) -> int:
        # Without the list's ORDER BY: sorting every match first would defeat the LIMIT.
        rows = self.object_list.order_by()  # type: ignore[attr-defined]
        return min(rows[: self.cap + 1].count(), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap
