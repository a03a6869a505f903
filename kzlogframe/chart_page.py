"""Charts drawn as SVG by plotly.js inside a Chromium page that is already open (the PDF's).

Kaleido would start a second Chromium for them (2-3 s of a 6 s CLI PDF). Here the page that prints
the PDF loads plotly.py's own plotly.js bundle (a local file: no internet) and makes the same call
kaleido makes, ``Plotly.toImage`` with the figure's JSON, its ``style.image_size`` and kaleido's
config, so each slot gets the SVG a chart download gives (``tests/test_charts.py`` compares them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio

from .style import image_size

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
SLOT = "data-chart"  # the attribute naming the chart an element of the page is to hold

# Kaleido's config for an SVG (scale 1): ``plotGlPixelRatio`` is 2 × scale, no mapbox token.
_DRAW = """async (charts) => {
  const config = {mapboxAccessToken: null, plotGlPixelRatio: 2};
  const slots = [...document.querySelectorAll("[%s]")];
  const drawn = {};
  await Promise.all(Object.entries(JSON.parse(charts)).map(async ([name, chart]) => {
    const svg = await Plotly.toImage({data: chart.figure.data, layout: chart.figure.layout, config: config},
      {format: "svg", width: chart.width, height: chart.height, scale: 1, imageDataOnly: true});
    for (const slot of slots.filter((slot) => slot.getAttribute("%s") === name)) slot.innerHTML = svg;
    drawn[name] = svg;
  }));
  return drawn;
}""" % (SLOT, SLOT)


def specs(figures: Mapping[str, go.Figure]) -> str:
    """The figures as the JSON the page reads: plotly's encoding (dates, numpy values) and image size."""
    charts = {}
    for name, fig in figures.items():
        width, height = image_size(fig)
        charts[name] = {"figure": json.loads(pio.to_json(fig, validate=False)), "width": width, "height": height}
    return json.dumps(charts)


def load(page) -> None:
    """Load plotly.js into the Playwright ``page``, which must be at a ``file:`` URL: Chromium lets
    such a page read a local file. Its window keeps ``Plotly`` when ``page.set_content`` is used."""
    page.add_script_tag(url=PLOTLY_JS.as_uri())


def draw(page, figures: Mapping[str, go.Figure]) -> dict[str, str]:
    """Fill each ``[data-chart=name]`` element of the ``page`` with that figure's SVG (loading
    plotly.js first unless :func:`load` has); ``{name: svg}`` as plotly.js wrote them."""
    if not figures:
        return {}
    if not page.evaluate("typeof Plotly !== 'undefined'"):
        load(page)
    return page.evaluate(_DRAW, specs(figures))
