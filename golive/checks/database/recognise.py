"""Plan phrasing the database area decides."""

from __future__ import annotations

from golive.plan.mapping import Recogniser, fixed, pattern

RECOGNISERS: list[Recogniser] = [
    (pattern(r"n\s*\+\s*1"), fixed("database.n_plus_one")),
    (pattern(r"\bindexes\b"), fixed("database.indexes")),
    (pattern(r"database queries optimi[sz]ed|slow query"), fixed("database.slow_queries")),
    (pattern(r"connection pool"), fixed("database.pool")),
]
