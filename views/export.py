"""Export for M&E consultants: the indicator data as CSV or Excel, every indicator chart of the
programme as PNG and SVG in one zip, and the results as an IATI activity file.

Files are made when their button is clicked (deferred downloads), so the page itself stays fast."""

import streamlit as st

from kzlogframe.chart_export import browser_available, charts_zip
from kzlogframe.charts import indicator_chart
from kzlogframe.exports import (
    XLSX_MIME, by_level, filter_table, labelled, level_labels, to_csv_bytes, to_xlsx_bytes)
from kzlogframe.finance_ingest import current_entries
from kzlogframe.formatting import waiting_text
from kzlogframe.i18n import t
from kzlogframe.iati import iati_xml
from kzlogframe.matrix import notice
from kzlogframe.progress import CELL_DIMS, series_many
from kzlogframe.ui import data_table, export_frame, measurements, progress_frames, require, waiting_for_review

context = require("export")
logframe, lang, as_of = context.logframe, context.lang, context.as_of
code = logframe.programme.code
measured = measurements(code)
table = export_frame(code, lang)

st.title(t("page.export", lang))
st.caption(t("export.intro", lang))
if (waiting := waiting_for_review(code)).batches:  # the files hold approved values only
    st.info(waiting_text(waiting.batches, waiting.values, lang))

st.subheader(t("export.data", lang))
with_indicators = {level.code for level in logframe.levels() if level.indicators}
levels = {c: label for c, label in level_labels(logframe, lang).items() if c in with_indicators}
left, right = st.columns(2)
chosen_levels = left.multiselect(t("export.levels", lang), list(levels), format_func=levels.get,
                                 placeholder=t("export.all", lang), key=f"export_levels_{code}")
texts = {ind.code: ind.text.get(lang) for level, ind in logframe.indicators()
         if not chosen_levels or level.code in chosen_levels}
chosen_indicators = right.multiselect(t("export.indicators", lang), list(texts),
                                      format_func=lambda c: f"{c} — {texts[c][:80]}",
                                      placeholder=t("export.all", lang), key=f"export_indicators_{code}")
labels = table.sort_values("period_start")["period_label"].drop_duplicates().tolist()
chosen_periods = left.multiselect(t("export.periods", lang), labels, placeholder=t("export.all", lang),
                                  key=f"export_periods_{code}")
dimensions = right.multiselect(t("export.dimensions", lang), list(CELL_DIMS), default=list(CELL_DIMS),
                               placeholder=t("export.totals_only", lang),
                               format_func=lambda d: t(f"dimension.{d}", lang),
                               help=t("export.dimensions_help", lang), key=f"export_dimensions_{code}")
chosen = filter_table(table, levels=chosen_levels or list(levels), indicators=chosen_indicators or list(texts),
                      periods=chosen_periods or None, dimensions=dimensions)

as_codes = st.toggle(t("export.codes", lang), help=t("export.codes_help", lang), key="export_codes")


def shown(rows):
    """Rows as the files carry them: for people (headers and codes in words) or, on request, for scripts."""
    return rows if as_codes else labelled(rows, logframe, lang)


if chosen.empty:
    st.info(t("export.empty", lang))
else:
    st.caption(t("export.rows", lang, rows=len(chosen), indicators=chosen["indicator"].nunique()))
    data_table(shown(chosen), key="export_preview")
    suffix = "-codes" if as_codes else ""
    csv_column, xlsx_column = st.columns(2)
    csv_column.download_button(t("export.csv", lang), data=lambda: to_csv_bytes(shown(chosen)),
                               file_name=f"{code}-indicators-{lang}{suffix}.csv", mime="text/csv",
                               help=t("export.csv_help", lang), on_click="ignore", key="export_csv")
    xlsx_column.download_button(t("export.xlsx", lang),
                                data=lambda: to_xlsx_bytes({name: shown(rows) for name, rows
                                                            in by_level(chosen, logframe, lang).items()}),
                                file_name=f"{code}-indicators-{lang}{suffix}.xlsx", mime=XLSX_MIME,
                                help=t("export.xlsx_help", lang), on_click="ignore", key="export_xlsx")

st.subheader(t("export.charts", lang))
st.caption(t("export.charts_intro", lang))
with_data = [ind for _, ind in logframe.indicators() if ind.code in set(measured["indicator"])]
if not browser_available():
    st.warning(t("export.no_browser", lang))
elif not with_data:
    st.info(t("export.no_charts", lang))
else:
    expected = progress_frames(as_of, code)[0].set_index("indicator")["expected"]
    charted = [ind.code for ind in with_data]
    st.download_button(
        t("export.charts_zip", lang, count=len(with_data)), file_name=f"{code}-charts-{as_of}-{lang}.zip",
        data=lambda: charts_zip({c: indicator_chart(points, logframe.indicator(c), lang, as_of, expected.get(c))
                                 for c, points in series_many(measured, charted, logframe).items()}),
        mime="application/zip", on_click="ignore", key="export_charts")

st.subheader(t("export.iati", lang))
st.caption(t("export.iati_intro", lang))
if notice(logframe, lang):
    st.info(t("export.iati_secondary", lang, notice=notice(logframe, lang)), icon=":material/account_balance:")
st.download_button(t("export.iati_download", lang),
                   data=lambda: iati_xml(logframe, measured, finance=current_entries(code)),
                   file_name=f"{code}-iati-activity.xml", mime="application/xml", on_click="ignore",
                   key="export_iati")
