"""Plan phrasing the drills area decides (failover, blue-green and rollback drills are the
next to come: until then their items say that no such check is installed)."""

from __future__ import annotations

from golive.plan.mapping import Recogniser, fixed, pattern

RECOGNISERS: list[Recogniser] = [
    (pattern(r"backup.{0,20}restore|restore.{0,20}backup"), fixed("drills.backup")),
    (pattern(r"failover"), fixed("drills.failover")),
    (pattern(r"blue[- ]green"), fixed("drills.blue_green")),
    (pattern(r"rollback"), fixed("drills.rollback")),
]
