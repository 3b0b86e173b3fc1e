"""uintrlab.figures: the one list of figures (name, drawing function, caption) that the
report, notebooks 02 and 03 and scripts/analyse.sh iterate."""
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from conftest import write_synthetic_run  # noqa: E402
from uintrlab import analysis as A  # noqa: E402
from uintrlab import builds, figures, plots  # noqa: E402


def analysed(run):
    p = A.validate_params(str(run), n_boot=1000)
    metas, s = A.load(p)
    return figures.Inputs(s, A.analyse(s, p, metas))


@pytest.fixture(scope="module")
def inputs(synthetic_run):
    return analysed(synthetic_run)


def test_every_figure_of_a_group_is_drawn_in_order_with_its_caption(inputs, tmp_path):
    drawn = list(figures.draw(inputs, "analysis"))
    assert [d.name for d in drawn] == ["latency-ecdf", "latency-violin", "boot-medians",
                                       "speedup-forest", "latency-timeseries-tcg",
                                       "latency-timeseries-native"]
    assert [d.name for d in drawn] == figures.file_names(inputs, "analysis")
    forest = drawn[3]
    assert forest.caption.startswith("Speedup vs eventfd (ratio of medians) with 95 % ")
    assert drawn[4].caption.startswith("tcg: latency against message index")
    paths = drawn[0].save(tmp_path)
    assert [p.name for p in paths] == [f"latency-ecdf.{f}" for f in plots.FORMATS]
    for d in drawn:
        d.close()
    assert plt.get_fignums() == []


def test_a_figure_that_cannot_be_drawn_is_left_out(tmp_path):
    # only the baseline measured: nothing to compare, so no forest plot; no study tables
    run = write_synthetic_run(tmp_path / "one", spec={"native": {"nonblocking": {"eventfd": 1e3}}},
                              boots=2, n=40)
    names = figures.file_names(analysed(run))
    assert "speedup-forest" not in names and "study-vs-ours" not in names
    assert names == ["latency-ecdf", "latency-violin", "boot-medians", "latency-timeseries-native"]


def test_the_study_figure_needs_the_study_tables(inputs):
    with_study = figures.Inputs(inputs.samples, inputs.analysis, study=A.study_tables(inputs.analysis))
    assert figures.file_names(with_study, "study") == ["study-vs-ours"]
    assert figures.file_names(inputs, "study") == []
    with pytest.raises(ValueError, match="^group:"):
        figures.select("appendix")


def test_names_are_unique_and_every_group_known():
    assert len({f.name for f in figures.FIGURES}) == len(figures.FIGURES)
    assert {f.group for f in figures.FIGURES} <= set(figures.GROUPS)


def test_the_command_prints_every_file():
    p = subprocess.run([sys.executable, "-m", "uintrlab.figures", "out/figs"], cwd=builds.ROOT,
                       capture_output=True, text=True, env={"PYTHONPATH": str(builds.ROOT)})
    assert p.returncode == 0, p.stderr
    m = re.fullmatch(r"out/figs/\{(.*)\}\.\{(.*)\}\n", p.stdout)
    assert m, p.stdout
    assert m.group(1).split(",") == [f.name + ("-<platform>" if f.per_platform else "")
                                     for f in figures.FIGURES]
    assert tuple(m.group(2).split(",")) == plots.FORMATS


def test_analyse_script_lists_the_figures_from_the_registry():
    """scripts/analyse.sh names no figure itself: it prints the registry's list."""
    script = (builds.ROOT / "scripts" / "analyse.sh").read_text()
    assert '-m uintrlab.figures "$figures"' in script
    for f in figures.FIGURES:
        assert f.name not in script, f.name
