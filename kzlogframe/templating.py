"""The one Jinja environment for every HTML the app writes (the logframe matrix, the report):
templates from ``kzlogframe/templates``, everything autoescaped, the formatters as filters."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from . import formatting


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("kzlogframe", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters.update(number=formatting.number, percent=formatting.percent, date=formatting.date,
                       status=formatting.status_label, measured=formatting.measured_value)
    return env
