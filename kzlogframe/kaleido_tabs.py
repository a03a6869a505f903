"""Kaleido with tabs that are reused: imported by ``chart_export`` only when it renders a first image,
since kaleido and choreographer take about 0.35 s to import and most processes never render one."""

from __future__ import annotations

import kaleido

RELOAD_EVERY = 200  # images per tab between page reloads: bounds whatever a page might accumulate


class ReusingKaleido(kaleido.Kaleido):
    """Kaleido that reloads a tab only every ``RELOAD_EVERY`` images instead of after each one.

    ``_return_kaleido_tab`` is kaleido's own (private) hook, pinned by requirements.txt; should a
    release rename it, images stay the same and only get slower, which bench/charts.py shows."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self._uses: dict[int, int] = {}

    async def _return_kaleido_tab(self, tab) -> None:
        uses = self._uses[id(tab)] = self._uses.get(id(tab), 0) + 1
        if uses % RELOAD_EVERY:
            await self.tabs_ready.put(tab)
        else:
            await super()._return_kaleido_tab(tab)
