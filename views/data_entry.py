"""Data entry: a grid per reporting period and disaggregation cell, opened on the current values,
saved through the upload's checks as one batch (every changed value or none)."""

import datetime as dt

import streamlit as st

from kzlogframe.data_entry import EDITABLE, GRID_COLUMNS, Cell, entry_grid, save_entry
from kzlogframe.i18n import t
from kzlogframe.ingest import DIMENSIONS
from kzlogframe.ui import as_text, catalog, data_table, require

context = require("upload")
logframe, lang, user = context.logframe, context.lang, context.user
code = logframe.programme.code

st.title(t("entry.page", lang))
st.write(t("entry.intro", lang))

periods = [p for p in logframe.reporting_periods() if p.start <= dt.date.today()]
period = st.selectbox(t("entry.period", lang), periods, index=len(periods) - 1, format_func=str,
                      key=f"entry_period_{code}")
declared = logframe.programme.disaggregation_values
used = {d.value for _, ind in logframe.indicators() for d in ind.disaggregation}
chosen: dict[str, str] = {}
dimensions = [dim for dim in DIMENSIONS if dim in used and getattr(declared, dim)]
for column, dim in zip(st.columns(max(len(dimensions), 1)), dimensions):
    values = {v.code: v.shown(lang) for v in getattr(declared, dim)}
    chosen[dim] = column.selectbox(t(f"dimension.{dim}", lang).capitalize(), ["", *values],
                                   format_func=lambda c, values=values: values.get(c, t("entry.total", lang)),
                                   key=f"entry_{dim}_{code}")
cell = Cell(**chosen)

before = entry_grid(logframe, period, cell, lang)
if before.empty:
    st.info(t("entry.no_indicators", lang))
    st.stop()

grid_key = f"entry_grid_{code}_{period.label}_{cell.sex}_{cell.oblast}_{cell.ministry}"
names = {column: t(f"entry.grid.{column}", lang) for column in (*GRID_COLUMNS, "error")}
if flash := st.session_state.pop("_entry_flash", None):
    st.session_state.pop(grid_key, None)  # the saved edits: the grid opens on the values now current
    st.success(flash[0])
    for warning in flash[1]:
        st.warning(as_text(warning))
edited = st.data_editor(before.rename(columns=names), key=grid_key, hide_index=True, width="stretch",
                        num_rows="fixed", disabled=[names[c] for c in GRID_COLUMNS if c not in EDITABLE])
if st.button(t("entry.save", lang), type="primary", key="entry_save"):
    after = edited.rename(columns={label: column for column, label in names.items()})
    result = save_entry(logframe, period, cell, before, after, catalog(), user, lang)
    if result.status == "nothing_changed":
        st.info(t("entry.nothing_changed", lang))
    elif result.status == "refused":  # the grid keeps what was typed, to be fixed
        st.error(t("entry.refused", lang, count=len(result.errors)))
        problems = before[before["indicator"].isin(result.errors)][["indicator", "name"]]
        data_table(problems.assign(error=problems["indicator"].map(result.errors)).rename(columns=names))
    else:
        key = "entry.saved" if result.status == "committed" else "entry.duplicate"
        warnings = result.report.warnings["warning"].tolist() if result.report is not None else []
        saved = t(key, lang, batch=result.batch_id, count=result.changed)
        if result.report is not None and result.report.review == "submitted":  # the grid shows approved values
            saved += " " + t("review.submitted_note", lang, batch=result.batch_id)
        st.session_state["_entry_flash"] = (saved, warnings)
        st.rerun()
