"""The full analysis of one or more runs, shared by notebooks/02-analysis.ipynb and the
HTML report (``python -m uintrlab report``): parameter validation, then every table.

Parameters (:func:`validate_params`) are checked before any data is loaded, and the
ones that depend on the data (the baseline, a mechanism filter) right after loading
(:func:`check_data`); a bad one raises :class:`ParameterError` whose message starts
with the parameter's name.

What :func:`analyse` computes, for every platform and mode in which the baseline was
measured, for every other mechanism measured there:

* :func:`uintrlab.stats.compare` under **every** outlier rule (``none``, ``tukey``,
  ``mad``, ``trim`` at their default parameters, plus the primary rule if it has another
  parameter); the primary rule's results are the speedup table, the others the
  sensitivity table and the forest plot;
* Holm's correction of the per-boot-median p-values across the primary comparisons
  (the family is every comparison of the report: all platforms, modes, mechanisms);
* descriptives, outlier counts per rule, the power table and per-boot medians.

Confidence intervals use ``confidence = 1 - alpha`` so that an interval excluding 1
and a test at ``alpha`` speak at the same level.  Conditions without the baseline are
listed in ``Analysis.skipped``, never silently dropped; mechanism names are not fixed
(``uintr_event`` and ``uintr`` are handled like any other).
"""
from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import numbers
import os
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import builds, data, outliers as O, stats, study
from .names import order
from .plan import ParameterError
from .samples import conditions_present, split_conditions

# --------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------
@dataclass
class Params:
    runs: list[str]
    baseline: str = "eventfd"
    alpha: float = 0.05
    n_boot: int = 2000
    outliers: str = "none"
    outlier_param: float | None = None
    seed: int = stats.DEFAULT_SEED
    mechanisms: list[str] | None = None
    figures_dir: str | None = None

    @property
    def confidence(self) -> float:
        return 1.0 - self.alpha

    def as_dict(self) -> dict:
        return {"runs": self.runs, "baseline": self.baseline, "alpha": self.alpha,
                "confidence": self.confidence, "n_boot": self.n_boot,
                "outliers": self.outliers, "outlier_param": self.outlier_param,
                "seed": self.seed, "mechanisms": self.mechanisms}


def latest_run(root: str | Path | None = None) -> Path:
    """The most recent run directory under ``data/runs`` (by the ``start`` time in its
    metadata, then the directory's modification time)."""
    import json

    root = Path(root) if root else builds.ROOT / "data" / "runs"
    cands = []
    for meta in root.glob("*/metadata.json"):
        if not data.sample_files(meta.parent):
            continue
        try:
            start = str(json.loads(meta.read_text()).get("start") or "")
        except (OSError, ValueError):
            start = ""
        cands.append((start, meta.stat().st_mtime, meta.parent))
    if not cands:
        raise ParameterError(f"runs: none given and no run with data under {root}")
    return max(cands)[2]


def validate_params(runs=None, baseline="eventfd", alpha=0.05, n_boot=2000, outliers="none",
                    outlier_param=None, seed=stats.DEFAULT_SEED, mechanisms=None,
                    figures_dir=None) -> Params:
    """Check every analysis parameter; return them as :class:`Params`.

    ``runs``: a run directory or a list of them; empty/None means :func:`latest_run`.
    Each must exist and hold samples.  ``alpha`` in (0, 1); ``n_boot`` (bootstrap
    iterations) an integer >= 1000; ``outliers`` one of ``none, tukey, mad, trim``
    (``outlier_param`` its parameter, None = default); ``seed`` a non-negative integer;
    ``baseline`` a non-empty name and ``mechanisms`` None or a list of names (checked
    against the data by :func:`check_data`).  Raises :class:`ParameterError` whose
    message starts with the parameter's name.
    """
    def bad(name, why):
        raise ParameterError(f"{name}: {why}")

    if runs is None or (isinstance(runs, (list, tuple)) and len(runs) == 0) or runs == "":
        runs = [str(latest_run())]
    elif isinstance(runs, (str, Path)):
        runs = [str(runs)]
    elif isinstance(runs, (list, tuple)):
        runs = [str(r) for r in runs]
    else:
        bad("runs", f"must be a run directory or a list of them, got {runs!r}")
    for r in runs:
        p = Path(r)
        if not p.is_dir():
            bad("runs", f"{r}: no such run directory")
        if not data.sample_files(p):
            bad("runs", f"{r}: no samples (samples/*.parquet): not a run directory, "
                        "or the run kept no data")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        bad("alpha", f"must be a number in (0, 1), got {alpha!r}")
    if (isinstance(n_boot, bool) or not isinstance(n_boot, numbers.Integral)
            or n_boot < stats.MIN_N_BOOT):
        bad("n_boot", f"bootstrap iterations must be an integer >= {stats.MIN_N_BOOT}, "
                      f"got {n_boot!r}")
    try:
        rule, param = O.check_rule(outliers, outlier_param, name="outliers")
    except ValueError as e:
        name = "outliers" if str(e).startswith("outliers") else "outlier_param"
        bad(name, str(e))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        bad("seed", f"must be a non-negative integer, got {seed!r}")
    if not isinstance(baseline, str) or not baseline:
        bad("baseline", f"must be a mechanism name, got {baseline!r}")
    if mechanisms is not None:
        if isinstance(mechanisms, str):
            mechanisms = [mechanisms]
        if not isinstance(mechanisms, (list, tuple)) or not all(
                isinstance(m, str) and m for m in mechanisms) or not mechanisms:
            bad("mechanisms", f"must be None or a non-empty list of names, got {mechanisms!r}")
        mechanisms = list(mechanisms)
    if figures_dir is not None and not isinstance(figures_dir, (str, Path)):
        bad("figures_dir", f"must be a directory name, got {figures_dir!r}")
    return Params(runs=runs, baseline=baseline, alpha=float(alpha), n_boot=int(n_boot),
                  outliers=rule, outlier_param=param, seed=int(seed),
                  mechanisms=mechanisms,
                  figures_dir=None if figures_dir is None else str(figures_dir))


def check_data(samples: pd.DataFrame, params: Params) -> None:
    """The parameters that depend on the data: the baseline and the mechanism filter
    must name mechanisms that were measured."""
    present = order({str(v) for v in samples["mechanism"].unique()}, "mechanism")
    if params.baseline not in present:
        raise ParameterError(f"baseline: {params.baseline!r} is not a mechanism in the data "
                             f"(present: {', '.join(present)})")
    for m in params.mechanisms or []:
        if m not in present:
            raise ParameterError(f"mechanisms: {m!r} is not a mechanism in the data "
                                 f"(present: {', '.join(present)})")


def load(params: Params) -> tuple[list[dict], pd.DataFrame]:
    """Load the runs, make boot labels unique across runs, check the data-dependent
    parameters, and keep only the selected mechanisms (plus the baseline)."""
    metas, samples = data.load_runs(params.runs)
    samples = unique_boots(samples)
    check_data(samples, params)
    if params.mechanisms:
        keep = set(params.mechanisms) | {params.baseline}
        samples = samples[samples["mechanism"].isin(keep).to_numpy()].reset_index(drop=True)
        for c in ("platform", "mechanism", "mode"):
            samples[c] = samples[c].cat.remove_unused_categories()
    return metas, samples


def unique_boots(samples: pd.DataFrame) -> pd.DataFrame:
    """With several runs, boot 0 of run A and boot 0 of run B are different replications:
    relabel ``boot`` as one integer per (run, boot) (in run order).  One run: unchanged."""
    if "run" not in samples.columns or samples["run"].nunique() < 2:
        return samples
    key = samples["run"].cat.codes.to_numpy().astype(np.int64) * 100_000 + samples["boot"].to_numpy()
    _, inv = np.unique(key, return_inverse=True)
    out = samples.copy()
    out["boot"] = inv.astype(np.int32)
    return out


# --------------------------------------------------------------------------
# the analysis
# --------------------------------------------------------------------------
@dataclass
class Analysis:
    params: Params
    metas: list
    descriptives: pd.DataFrame         # valid messages after the primary outlier rule
    descriptives_valid: pd.DataFrame   # valid messages, no outlier rule (as the study)
    removed: pd.DataFrame              # outlier counts, every rule, every condition
    results: list                      # stats.Comparison, primary rule, with p_holm
    results_by_rule: dict              # rule label -> list of stats.Comparison (same order)
    speedups: pd.DataFrame             # one row per primary comparison
    sensitivity: pd.DataFrame          # one row per comparison and rule
    power: pd.DataFrame                # pivoted power table
    boot_medians: pd.DataFrame         # per-boot medians with intervals
    skipped: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)


def comparisons_with_baseline(samples: pd.DataFrame, baseline: str):
    """``(comparisons, skipped)``: the (platform, mode, mechanism) triples to compare with
    the baseline, in a fixed order, and a sentence for every platform and mode without
    the baseline (whose mechanisms therefore cannot be compared)."""
    return _comparisons_with_baseline(conditions_present(samples), baseline)


def _comparisons_with_baseline(conditions, baseline: str):
    """:func:`comparisons_with_baseline` from the ``(platform, mechanism, mode)`` triples
    that have rows."""
    comps, skipped = [], []
    present = {(str(plat), str(mode), str(mech)) for plat, mech, mode in conditions}
    for p in order({c[0] for c in present}, "platform"):
        for mode in order({c[1] for c in present if c[0] == p}, "mode"):
            mechs = order({c[2] for c in present if c[:2] == (p, mode)}, "mechanism")
            if baseline not in mechs:
                skipped.append(f"{p} · {mode}: baseline {baseline} not measured; "
                               f"not compared: {', '.join(mechs)}")
                continue
            comps += [(p, mode, m) for m in mechs if m != baseline]
    return comps, skipped


def _rules(params: Params) -> list[tuple[str, float | None]]:
    rules = [(r, O.DEFAULT_PARAMS[r]) for r in O.RULES]
    if (params.outliers, params.outlier_param) not in rules:
        rules.append((params.outliers, params.outlier_param))
    return rules


def _label(rule, param):
    return rule if param is None else f"{rule}({param:g})"


def speedup_rows(results: list) -> pd.DataFrame:
    """The speedup table: one :meth:`~uintrlab.stats.Comparison.as_row` per comparison
    (after :func:`stats.adjust_holm`)."""
    return pd.DataFrame([r.as_row() for r in results])


def power_summary(power: pd.DataFrame) -> pd.DataFrame:
    """One row per condition from :func:`stats.power_table`: variance components, boots
    needed at each message count, messages needed at each boot count, and the floor."""
    if power.empty:
        return power
    key = ["platform", "mechanism", "mode"]
    base = power.drop_duplicates(key)[key + ["n_boots_observed", "messages_observed", "tau_log",
                                             "sigma_log", "icc", "boots_floor"]].set_index(key)
    m = power[power["design"] == "messages"].pivot_table(
        index=key, columns="messages_per_boot", values="boots_per_group", aggfunc="first")
    m.columns = [f"boots_needed@{int(c)}_msgs" for c in m.columns]
    b = power[power["design"] == "boots"].pivot_table(
        index=key, columns="boots_per_group", values="messages_per_boot", aggfunc="first")
    b.columns = [f"msgs_needed@{int(c)}_boots" for c in b.columns]
    return base.join(m).join(b).reset_index()


def default_workers() -> int:
    """Workers for the independent parts of an analysis: one per CPU, at most 4 (each
    comparison in flight holds a few hundred MB of bootstrap arrays)."""
    return max(1, min(4, os.cpu_count() or 1))


def _compare_under_rules(task) -> list:
    """One comparison under every outlier rule (a worker process runs it; module level so
    that it can be sent there). ``task``: platform, mode, mechanism, baseline, the two
    conditions (:class:`uintrlab.samples.ConditionSamples`), ``{rule label: keep}`` of
    each, the ``(rule, param)`` pairs and their labels, alpha, n_boot, seed, confidence."""
    (p, mode, m, baseline, base_cond, mech_cond, base_keeps, mech_keeps, rules, labels,
     alpha, n_boot, seed, confidence) = task
    base = stats.SortedCondition(base_cond, base_keeps)
    mech = stats.SortedCondition(mech_cond, mech_keeps)
    return [stats.compare_groups(base.group(lb), mech.group(lb), platform=p, mode=mode,
                                 mechanism=m, baseline=baseline, rule=r, param=prm,
                                 alpha=alpha, n_boot=n_boot, seed=seed, confidence=confidence)
            for lb, (r, prm) in zip(labels, rules)]


def _ready() -> bool:
    return True


#: OpenBLAS's idle threads spin for about 0.1 s after every call (its default timeout,
#: 2^28 cycles) and so take a core from the other worker; the workers start with the
#: shortest timeout (2^4 cycles). Only idling changes: the thread count, and so every
#: number, stays the default's.
_WORKER_ENV = {"OPENBLAS_THREAD_TIMEOUT": "4"}


@contextmanager
def _comparison_pool(workers: int):
    """Worker processes (spawned, with :data:`_WORKER_ENV` unless the environment sets
    those variables) for the comparisons; None with one worker (then they run here)."""
    if workers == 1:
        yield None
        return
    added = {k: v for k, v in _WORKER_ENV.items() if k not in os.environ}
    os.environ.update(added)
    try:
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            with _main_not_reimported():
                for _ in range(workers):    # start them all now; they import while we work
                    pool.submit(_ready)
            yield pool
    finally:
        for k in added:
            os.environ.pop(k, None)


@contextmanager
def _main_not_reimported():
    """While workers are spawned: hide where ``__main__`` came from. A spawned child
    imports the parent's main module again unless it cannot tell which that is; the
    workers need nothing from it (their function is in this module), and a script that
    calls :func:`analyse` at its top level would otherwise run again in every worker."""
    main = vars(sys.modules["__main__"]) if "__main__" in sys.modules else {}
    saved = {k: main[k] for k in ("__spec__", "__file__") if k in main}
    try:
        if "__spec__" in saved:
            main["__spec__"] = None
        main.pop("__file__", None)
        yield
    finally:
        main.update(saved)


def analyse(samples: pd.DataFrame, params: Params, metas=None,
            log: Callable[[str], None] | None = None, workers: int | None = None) -> Analysis:
    """Everything the report and notebook 02 show (see the module docstring).

    The samples are split by condition once and every outlier rule applied once per
    condition (on ``workers`` threads); the comparisons, each under every rule with its
    conditions sorted once for all rules, then run in ``workers`` processes (default
    :func:`default_workers`; 1: in this process). Each comparison seeds its own generator
    with ``params.seed``, so the results do not depend on the number of workers or the
    order in which comparisons finish."""
    log = log or (lambda m: None)
    check_data(samples, params)
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ParameterError(f"workers: must be >= 1, got {workers}")
    secs = {}
    with ThreadPoolExecutor(max_workers=workers) as threads, \
            _comparison_pool(workers) as procs:
        t = time.monotonic()
        conds = split_conditions(samples)
        rules = [O.check_rule(r, p) for r, p in _rules(params)]
        labels = [_label(r, p) for r, p in rules]
        primary = _label(params.outliers, params.outlier_param)
        ruled = list(threads.map(lambda rp: O.rule_keeps(conds, *rp), rules))
        keeps = dict(zip(labels, [k for k, _ in ruled]))
        removed = pd.concat([tab for _, tab in ruled], ignore_index=True)
        descr_valid = stats.describe_conditions(conds)
        descr = (descr_valid if params.outliers == "none"
                 else stats.describe_conditions(conds, keeps[primary]))
        secs["descriptives"] = time.monotonic() - t

        t = time.monotonic()
        comps, skipped = _comparisons_with_baseline(conds, params.baseline)

        def task(i):
            p, mode, m = comps[i]
            kb, km = (p, params.baseline, mode), (p, m, mode)
            return (p, mode, m, params.baseline, conds[kb], conds[km],
                    {lb: keeps[lb][kb] for lb in labels}, {lb: keeps[lb][km] for lb in labels},
                    rules, labels, params.alpha, params.n_boot, params.seed, params.confidence)

        def done(i, k):
            p, mode, m = comps[i]
            log(f"[{k}/{len(comps)}] {p} {mode}: {m} vs {params.baseline}")

        per_comp = [None] * len(comps)
        if procs is None:
            for i in range(len(comps)):
                per_comp[i] = _compare_under_rules(task(i))
                done(i, i + 1)
        else:
            # largest first (for the balance between the workers); results in plan order
            size = [conds[(p, params.baseline, mode)].n_valid + conds[(p, m, mode)].n_valid
                    for p, mode, m in comps]
            futures = {procs.submit(_compare_under_rules, task(i)): i
                       for i in sorted(range(len(comps)), key=lambda i: -size[i])}
            for k, f in enumerate(as_completed(futures), 1):
                per_comp[futures[f]] = f.result()
                done(futures[f], k)
        by_rule = {lb: [res[j] for res in per_comp] for j, lb in enumerate(labels)}
        sens = []
        for (p, mode, m), res_rules in zip(comps, per_comp):
            ref = [x for x in res_rules if (x.outlier_rule, x.outlier_param)
                   == (params.outliers, params.outlier_param)][0]
            # the reference of the sensitivity table is the primary rule; with a non-default
            # parameter the default-parameter row of the same rule is shown under its label
            tab = stats.sensitivity_table([ref] + [x for x in res_rules if x is not ref],
                                          reference=params.outliers, alpha=params.alpha)
            tab.insert(0, "rule_label", [_label(x.outlier_rule, x.outlier_param)
                                         for x in [ref] + [x for x in res_rules if x is not ref]])
            tab.insert(0, "mechanism", m)
            tab.insert(0, "mode", mode)
            tab.insert(0, "platform", p)
            sens.append(tab)
        prim = by_rule[primary]
        results = stats.adjust_holm(prim, alpha=params.alpha) if prim else []
        secs["comparisons"] = time.monotonic() - t

        t = time.monotonic()
        power = power_summary(stats.power_table_conditions(conds, keeps[primary],
                                                           alpha=params.alpha))
        secs["power"] = time.monotonic() - t
        t = time.monotonic()
        bm = stats.boot_median_intervals_conditions(conds, confidence=params.confidence,
                                                    map=threads.map)
        secs["boot_medians"] = time.monotonic() - t
    sensitivity = pd.concat(sens, ignore_index=True) if sens else pd.DataFrame()
    return Analysis(params=params, metas=list(metas or []), descriptives=descr,
                    descriptives_valid=descr_valid, removed=removed,
                    results=results, results_by_rule=by_rule, speedups=speedup_rows(results),
                    sensitivity=sensitivity, power=power, boot_medians=bm, skipped=skipped,
                    seconds=secs)


# --------------------------------------------------------------------------
# a cache of analyses: notebook 02 and the report analyse the same run
# --------------------------------------------------------------------------
#: the modules (a directory: its *.py) whose code decides an analysis' result; a change of
#: any invalidates the cache
_CACHE_CODE = ("analysis.py", "stats", "outliers.py", "samples.py", "study.py", "data.py", "names.py")


def _cache_code_files() -> list[Path]:
    here = Path(__file__).parent
    return [f for name in _CACHE_CODE
            for f in ([here / name] if name.endswith(".py") else sorted((here / name).glob("*.py")))]


def cache_dir() -> Path:
    """Where analyses are cached: ``$UINTRLAB_CACHE/analysis`` (default
    ``~/.cache/uintrlab/analysis``), outside the clone like the builds."""
    root = os.environ.get("UINTRLAB_CACHE") or Path.home() / ".cache" / "uintrlab"
    return Path(root) / "analysis"


def cache_key(samples: pd.DataFrame, params: Params) -> str:
    """SHA-256 (hex, 32 characters) of everything an analysis depends on: the samples
    themselves (every column's values, in order), the parameters that change results
    (not ``figures_dir``), the source of the modules in :data:`_CACHE_CODE`, the Python
    lock (env/requirements.txt: the library versions) and the Python version."""
    h = hashlib.sha256()
    p = {k: v for k, v in params.as_dict().items() if k != "runs"}
    h.update(json.dumps(p, sort_keys=True, default=str).encode())
    for f in _cache_code_files():
        h.update(f.read_bytes())
    # the libraries that compute it (numpy, scipy, pandas, ...): the Python lock and version
    lock = builds.ROOT / "env" / "requirements.txt"
    h.update(lock.read_bytes() if lock.exists() else b"no lock")
    h.update(sys.version.encode())
    h.update(repr(list(samples.columns)).encode() + repr(len(samples)).encode())
    for c in samples.columns:
        col = samples[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            h.update(repr(list(col.cat.categories)).encode())
            col = col.cat.codes
        h.update(np.ascontiguousarray(col.to_numpy()).tobytes())
    return h.hexdigest()[:32]


def analyse_cached(samples: pd.DataFrame, params: Params, metas=None,
                   log: Callable[[str], None] | None = None, cache: bool = True) -> Analysis:
    """:func:`analyse`, or its stored result for the same samples, parameters and code
    (:func:`cache_key`).  ``Analysis.seconds`` then says where it came from.  A cache
    entry that cannot be read is recomputed (and rewritten), never an error; with
    ``cache=False`` (or ``UINTRLAB_ANALYSIS_CACHE=0``) nothing is read or written."""
    log = log or (lambda m: None)
    if not cache or os.environ.get("UINTRLAB_ANALYSIS_CACHE") == "0":
        return analyse(samples, params, metas, log=log)
    t = time.monotonic()
    path = cache_dir() / f"{cache_key(samples, params)}.pkl"
    t_key = time.monotonic() - t
    if path.exists():
        try:
            with open(path, "rb") as f:
                an = pickle.load(f)
        except Exception as e:  # a torn or foreign file: recompute
            log(f"analysis cache {path} unreadable ({e}); recomputing")
        else:
            log(f"analysis from cache {path}")
            an.params, an.metas = params, list(metas or [])
            an.seconds = {"cache key": t_key, "read from cache": time.monotonic() - t - t_key}
            return an
    an = analyse(samples, params, metas, log=log)
    an.seconds["cache key"] = t_key
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        pickle.dump(an, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return an


def removed_summary(removed: pd.DataFrame) -> pd.DataFrame:
    """Outlier counts as one row per condition, one column per rule: 'removed (percent)'."""
    if removed.empty:
        return removed
    r = removed.copy()
    r["label"] = [_label(a, b if not (isinstance(b, float) and math.isnan(b)) else None)
                  for a, b in zip(r["rule"], r["param"])]
    r["cell"] = [f"{n} ({100 * f:.2f} %)" if n == n else "" for n, f in
                 zip(r["removed"], r["removed_frac"])]
    key = ["platform", "mechanism", "mode"]
    out = r.pivot_table(index=key + ["n_valid"], columns="label", values="cell",
                        aggfunc="first").reset_index()
    out.columns.name = None
    labels = list(dict.fromkeys(r["label"]))
    return out[key + ["n_valid"] + labels]


def study_subset(samples: pd.DataFrame, platform: str = study.STUDY_PLATFORM,
                 study_path=None) -> pd.DataFrame:
    """Our samples restricted to what the study measured: its platform (tcg), its
    methods and its modes (whatever of those we have; may be empty)."""
    st = study.load_study(study_path)
    # on the categorical labels: compares codes, builds no string per row
    keep = (samples["platform"] == platform).to_numpy() \
        & samples["mechanism"].isin(set(st["method"])).to_numpy() \
        & samples["mode"].isin(set(st["mode"])).to_numpy()
    sub = samples[keep].reset_index(drop=True)
    for c in ("platform", "mechanism", "mode"):
        sub[c] = sub[c].cat.remove_unused_categories()
    return sub


def study_tables(an: Analysis, platform: str = study.STUDY_PLATFORM,
                 study_path=None) -> dict:
    """The study's numbers beside ours (see :func:`uintrlab.study.study_vs_ours`): our
    side with no outlier rule, as the study removed none (failures aside)."""
    return study.study_vs_ours(an.descriptives_valid, an.results_by_rule["none"], platform=platform,
                               path=study_path, metas=an.metas,
                               confidence=an.params.confidence)
