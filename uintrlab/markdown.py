"""Tables as Markdown (the README's tables, the benchmarks' --markdown): one writer."""
from __future__ import annotations

import pandas as pd


def table(df: pd.DataFrame, index: bool = False) -> str:
    """``df`` as a Markdown table; with ``index``, the index levels become the first
    columns. Cells are written with str() (format numbers before)."""
    if index:
        df = df.reset_index()
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join(lines)
