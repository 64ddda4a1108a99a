"""The bundled demo target: a small shop whose production flaws switch on one by one."""

from golive.demo.flaws import FLAWS, parse_flaws

__all__ = ["FLAWS", "parse_flaws"]
