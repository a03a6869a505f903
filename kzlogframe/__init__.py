"""kzlogframe: logframes as YAML, indicator measurements in DuckDB, a Streamlit dashboard."""

__version__ = "0.1.0"
