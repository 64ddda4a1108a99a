"""The local OSV-compatible service the tests use (the demo's own, over a folder of records)."""

from golive.demo.osv import osv_server

__all__ = ["osv_server"]
