"""The demo shop's back-office tasks, as the tuned shop ships them: credentials from the
environment, the archive command as an argument list (no shell). Never run: golive only scans
it."""

import os
import re
import subprocess  # nosec B404: arguments are a list, never a shell string

EXPORT_BUCKET_KEY = os.environ["EXPORT_BUCKET_KEY"]


def export_orders(day: str) -> int:
    """Archive one day's orders; ``day`` comes from the admin form and is checked first."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise ValueError(f"not a date: {day!r}")
    archive = ["tar", "czf", f"/var/shop/archive/orders-{day}.tgz", f"/var/shop/orders/{day}"]
    return subprocess.call(archive)  # nosec B603: a fixed program, a checked argument
