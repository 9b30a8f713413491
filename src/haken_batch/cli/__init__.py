"""The thin command-line layer: parse, call the core once, render, map to an exit code.

No polars/pandera/openpyxl/jinja2 import at module level here: `haken --help` must stay fast.
"""
