"""haken-batch: settlement toolkit for the SME expert-dispatch program (専門家派遣)."""

__version__ = "0.1.0"
