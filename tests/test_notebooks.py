"""Both notebooks run under papermill with tiny parameters; bad parameters are named."""
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
                        parameters={"runs": [str(runs / "nb")], "figures_dir": str(figs)},
                        progress_bar=False)
    for name in ("latency-ecdf", "latency-violin"):
        for fmt in ("pdf", "png"):
            assert (figs / f"{name}.{fmt}").stat().st_size > 1000


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
