"""Aggregation frames for the agency KPI workbook (R-RPT-2, R-PAY-7) and the institution
statements (R-RPT-1). Pure functions from frames to frames; the emitters write them.

``KpiInputs`` gathers what they read, from a ``CycleRun`` (``haken settle``) or from a settled
cycle folder (``haken kpi``).
"""

from haken_batch.kpi.inputs import Codes, KpiInputs

__all__ = ["Codes", "KpiInputs"]
