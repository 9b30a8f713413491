"""Sample exports: the seeded generator (any size) and the bundled FY2021 sample."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from haken_batch.samplegen.core import MAX_DISPATCHES, Shape, generate
from haken_batch.samplegen.writer import write_csv, write_tables, write_xlsx

__all__ = [
    "MAX_DISPATCHES",
    "Generated",
    "Shape",
    "generate",
    "generate_to",
    "write_csv",
    "write_tables",
    "write_xlsx",
]


@dataclass(frozen=True)
class Generated:
    files: list[Path]
    rows: dict[str, int]


def generate_to(
    n: int, seed: int, out: Path, fmt: str = "csv", anomaly_rate: float = 0.01,
    *, replace: bool = False,
) -> Generated:
    """Generate ``n`` dispatches with ``seed`` and write them to ``out`` (CSVs or one xlsx).

    A folder that already holds exports (CSV or Excel files) is left alone unless
    ``replace``: synthetic tables over a clerk's real ones would be settled as real."""
    from haken_batch.errors import ConfigError

    if not 1 <= n <= MAX_DISPATCHES:
        raise ConfigError(
            f"派遣件数は 1〜{MAX_DISPATCHES:,} で指定してください: {n}",
            f"--dispatches must be between 1 and {MAX_DISPATCHES:,}: {n}",
        )
    if fmt not in ("csv", "xlsx"):
        raise ConfigError(f"形式は csv か xlsx です: {fmt}", f"--format must be csv or xlsx: {fmt}")
    if not 0 <= anomaly_rate <= 0.2:
        raise ConfigError(
            f"異常の割合は 0〜0.2 です: {anomaly_rate}",
            f"--anomaly-rate must be between 0 and 0.2: {anomaly_rate}",
        )
    if seed < 0:  # numpy's error was a traceback (hostile check, session 22)
        raise ConfigError(f"乱数の種は 0 以上の整数です: {seed}",
                          f"--seed must be 0 or more: {seed}", where="--seed")
    if out.exists() and not out.is_dir():
        raise ConfigError(
            f"出力先がフォルダではありません: {out}", f"output is not a folder: {out}"
        )
    from haken_batch.outdir import in_output_folder

    if in_output_folder(out):  # --replace --out OUT/2021-10 wrote into a closed cycle
        raise ConfigError(
            f"出力先 {out} は精算の出力フォルダかその中です。サンプルは別の空のフォルダに"
            "作ってください",
            f"{out} is an output folder of settled cycles or inside one; generate the "
            "samples into another, empty folder", where="--out")
    present = sorted(p.name for p in out.glob("*") if p.suffix.lower() in (".csv", ".xlsx"))
    if present and not replace:
        raise ConfigError(
            f"出力先 {out} にはすでにファイルがあります（{'、'.join(present[:3])} など）。"
            "上書きしないよう中止しました。空のフォルダを指定するか、"
            "--replace で置き換えてください",
            f"{out} already holds files ({', '.join(present[:3])}, …); nothing was written. "
            "Give an empty folder, or --replace to overwrite them")
    tables = generate(n, seed, Shape(anomaly_rate=anomaly_rate))
    if fmt == "xlsx":
        from haken_batch.samplegen.writer import EXCEL_MAX_ROWS

        big = {t: df.height for t, df in tables.items() if df.height + 1 > EXCEL_MAX_ROWS}
        if big:
            raise ConfigError(
                f"Excelの1シートに収まりません（{big}）。--format csv を使ってください",
                f"too many rows for one Excel sheet ({big}); use --format csv",
            )
    files = write_tables(tables, out, fmt)
    # --replace in the other format: the old exports beside the new ones made the folder
    # unreadable (both CSV and Excel) — they are what --replace agreed to overwrite
    for name in present:
        if out / name not in files:
            (out / name).unlink(missing_ok=True)
    return Generated(files, {t: df.height for t, df in tables.items()})
