"""Remote Helm charts, fetched safely in a step of their own before the no-network render.

See docs/charts.md. Entry point: :func:`fetch_chart`.
"""

from validator.charts.allowlist import normalise_url
from validator.charts.config import ChartRepository, ChartsConfig, ChartSettings, LocalChart, chart_settings
from validator.charts.fetch import fetch_chart
from validator.charts.model import ChartRequest, FetchedChart

__all__ = ["ChartRepository", "ChartRequest", "ChartSettings", "ChartsConfig", "FetchedChart",
           "LocalChart", "chart_settings", "fetch_chart", "normalise_url"]
