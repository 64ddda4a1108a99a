"""The demo shop's back-office tasks, as the baseline ships them (flaw vulnerable_source):
a cloud key written in the source and a shell command built from user input. Never run:
golive only scans it (security.sast, security.secrets, security.dependencies)."""

import subprocess

# the export bucket's credentials, committed by mistake
AWS_ACCESS_KEY_ID = "AKIANODGRDGUO7YXZZQU"


def export_orders(day: str) -> int:
    """Archive one day's orders; ``day`` comes from the admin form."""
    return subprocess.call(f"tar czf /tmp/orders-{day}.tgz /var/shop/orders/{day}", shell=True)
