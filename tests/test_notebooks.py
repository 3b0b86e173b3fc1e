"""The notebooks run under papermill with tiny parameters; bad parameters are named."""
import papermill as pm
import pytest

from uintrlab import builds

NB = builds.ROOT / "notebooks"


def test_run_then_analysis(tmp_path):
    runs = tmp_path / "runs"
    pm.execute_notebook(str(NB / "01-run.ipynb"), str(tmp_path / "01.ipynb"), cwd=str(builds.ROOT),
                        parameters={"profile": "tiny", "run_id": "nb", "out": str(runs)},
                        progress_bar=False)
    assert (runs / "nb" / "samples" / "native-000.parquet").exists()
    figs = tmp_path / "figs"
    pm.execute_notebook(str(NB / "02-analysis.ipynb"), str(tmp_path / "02.ipynb"), cwd=str(builds.ROOT),
                        parameters={"runs": [str(runs / "nb")], "figures_dir": str(figs),
                                    "mechanisms": ["futex"], "n_boot": 1000},
                        progress_bar=False)
    for name in ("latency-ecdf", "latency-violin", "boot-medians", "speedup-forest",
                 "latency-timeseries-native"):
        for fmt in ("pdf", "png", "svg"):
            assert (figs / f"{name}.{fmt}").stat().st_size > 1000


def test_compare_with_study_notebook(tiny_run, tmp_path):
    figs = tmp_path / "figs"
    out = tmp_path / "03.ipynb"
    pm.execute_notebook(str(NB / "03-compare-with-study.ipynb"), str(out), cwd=str(builds.ROOT),
                        parameters={"runs": [str(tiny_run)], "figures_dir": str(figs), "n_boot": 1000},
                        progress_bar=False)
    for fmt in ("pdf", "png", "svg"):
        assert (figs / f"study-vs-ours.{fmt}").stat().st_size > 1000
    text = out.read_text()
    assert "ours_study_style_speedup" in text and "TCG threading" in text


@pytest.mark.parametrize("nb,params,name", [
    ("02-analysis.ipynb", {"alpha": 1.5}, "alpha:"),
    ("02-analysis.ipynb", {"n_boot": 10}, "n_boot:"),
    ("02-analysis.ipynb", {"outliers": "magic"}, "outliers:"),
    ("02-analysis.ipynb", {"baseline": "smoke"}, "baseline:"),
    ("03-compare-with-study.ipynb", {"platform": "kvm"}, "platform:"),
])
def test_analysis_notebooks_reject_bad_parameters(tiny_run, tmp_path, nb, params, name):
    with pytest.raises(pm.PapermillExecutionError, match=name):
        pm.execute_notebook(str(NB / nb), str(tmp_path / "o.ipynb"), cwd=str(builds.ROOT),
                            parameters={"runs": [str(tiny_run)], "figures_dir": str(tmp_path / "f"),
                                        **params}, progress_bar=False)
    assert not (tmp_path / "f").exists()


@pytest.mark.parametrize("params,name", [
    ({"profile": "tiny", "count": 0}, "count:"),
    ({"profile": "tiny", "mechanisms": ["smoke"]}, "mechanism:"),
    ({"profile": "gigantic"}, "profile:"),
])
def test_run_notebook_rejects_bad_parameters(tmp_path, params, name):
    with pytest.raises(pm.PapermillExecutionError, match=name):
        pm.execute_notebook(str(NB / "01-run.ipynb"), str(tmp_path / "o.ipynb"), cwd=str(builds.ROOT),
                            parameters={**params, "out": str(tmp_path / "runs")}, progress_bar=False)
    assert not (tmp_path / "runs").exists()


def test_analysis_notebook_rejects_a_directory_without_data(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(pm.PapermillExecutionError, match="no samples"):
        pm.execute_notebook(str(NB / "02-analysis.ipynb"), str(tmp_path / "o.ipynb"), cwd=str(builds.ROOT),
                            parameters={"runs": [str(tmp_path / "empty")], "figures_dir": str(tmp_path)},
                            progress_bar=False)


def test_analysis_notebook_draws_the_figures_registry(tiny_run, tmp_path):
    """Notebook 02 shows and saves exactly the figures of uintrlab.figures' analysis group,
    in order, each with its caption."""
    from uintrlab import analysis as A
    from uintrlab import figures
    figs, out = tmp_path / "figs", tmp_path / "02.ipynb"
    pm.execute_notebook(str(NB / "02-analysis.ipynb"), str(out), cwd=str(builds.ROOT),
                        parameters={"runs": [str(tiny_run)], "figures_dir": str(figs), "n_boot": 1000},
                        progress_bar=False)
    params = A.validate_params(str(tiny_run), n_boot=1000)
    metas, s = A.load(params)
    inputs = figures.Inputs(s, A.analyse_cached(s, params, metas))
    want = figures.planned(inputs, "analysis")
    assert sorted(p.name for p in figs.iterdir()) == sorted(
        f"{f.file_name(p)}.{fmt}" for f, p in want for fmt in ("pdf", "png", "svg"))
    import nbformat
    cell = next(c for c in nbformat.read(out, as_version=4).cells if c.get("id") == "figures")
    shown = [o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {})]
    images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(shown) == len(images) == len(want)
    for md, (f, p) in zip(shown, want):
        assert f.caption_for(inputs, p) in md and f"`{f.file_name(p)}`" in md


def test_path_lengths_notebook(counting_run_dir, tmp_path):
    """Notebook 04 on a synthetic counting run: the figure of uintrlab.figures' pathlen
    group saved and shown with its caption, and the tables of uintrlab.pathlen_report."""
    import nbformat
    figs, out = tmp_path / "figs", tmp_path / "04.ipynb"
    pm.execute_notebook(str(NB / "04-path-lengths.ipynb"), str(out), cwd=str(builds.ROOT),
                        parameters={"runs": [str(counting_run_dir)], "figures_dir": str(figs)},
                        progress_bar=False)
    assert sorted(p.name for p in figs.iterdir()) == [f"instructions-per-message.{x}" for x in ("pdf", "png", "svg")]
    cells = {c.get("id"): c for c in nbformat.read(out, as_version=4).cells}
    shown = [o["data"] for o in cells["figures"].outputs if "data" in o]
    assert any("pathlen-synthetic" in d.get("text/markdown", "") for d in shown)
    assert any("image/png" in d for d in shown)
    html = {k: "".join(o.get("data", {}).get("text/html", "") for o in cells[k].outputs)
            for k in ("summary", "events", "determinism", "by-segment-reader")}
    assert "reader_insn_kernel" in html["summary"] and "2414" in html["summary"]
    assert "senduipi" in html["events"] and "reader_insn_kernel_clean" in html["determinism"]
    assert "sched" in html["by-segment-reader"]


def test_path_lengths_notebook_refuses_a_latency_run(tiny_run, tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="runs: .*not a path-length counting run"):
        pm.execute_notebook(str(NB / "04-path-lengths.ipynb"), str(tmp_path / "o.ipynb"), cwd=str(builds.ROOT),
                            parameters={"runs": [str(tiny_run)], "figures_dir": str(tmp_path / "f")},
                            progress_bar=False)
    assert not (tmp_path / "f").exists()
