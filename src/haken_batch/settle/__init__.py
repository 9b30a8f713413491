"""The monthly settlement engine (issue 6): decisions, yen and the ledger, as pure functions.

``engine.settle`` is the one entry point; each other module holds one rule family:
select (which dispatches a cycle considers), params (dated rule values per support date),
exclusions (R-EXC-*, R-PER-1), checks (R-CHK-*, R-FEE-4, R-VAL-*), limits (R-LIM-1),
travel (R-TRV-*), fee (R-FEE-1..3), perdiem (R-TRV-9), decide (paid/held/excluded),
withholding (R-TAX-1..3).
"""
