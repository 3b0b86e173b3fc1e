"""The HTML report: one self-contained page, every table and figure, the checklist;
bad parameters named, on the command line too."""
import os
import re
import subprocess
import sys

import pytest

from conftest import write_synthetic_run
from uintrlab import builds, report


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    # small: one platform; a mode without the baseline; eventfd vs uintr_event
    d = write_synthetic_run(tmp_path_factory.mktemp("report") / "rep", boots=2, n=60,
                            spec={"tcg": {"blocking": {"eventfd": 150e3, "uintr_event": 80e3},
                                          "pingpong": {"pipe": 100e3}}})
    out = d.parent / "r.html"
    figs = out.parent / "figs"
    path = report.write_report([str(d)], out, n_boot=1000, figures_dir=str(figs), command="test")
    return path.read_text(), figs


def test_every_section_and_table(page):
    html, _ = page
    for heading in ("Summary", "Parameters and provenance", "Descriptive statistics",
                    "Outliers removed, per rule", "Speedups vs eventfd", "Outlier sensitivity",
                    "Figures", "Power: boots and messages needed", "The study beside ours",
                    "Checklist: Hoefler &amp; Belli", "Conventions"):
        assert f"<h2>{heading}" in html, heading
    assert html.count("<table>") >= 10
    assert "p_holm" in html and "median_ratio_ci_low" in html and "boots_floor" in html
    assert "not compared: pipe" in html          # pingpong has no baseline
    assert "uintr: not in these runs" in html


def test_self_contained_with_embedded_figures(page):
    html, figs = page
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 6
    assert not re.search(r'(src|href)="(http|/|\.\./)', html)
    names = {p.stem for p in figs.iterdir()}
    assert names == {"latency-ecdf", "latency-violin", "boot-medians", "speedup-forest",
                     "latency-timeseries-tcg", "study-vs-ours"}
    assert len(list(figs.iterdir())) == 3 * len(names)


def test_checklist_has_twelve_rules_and_a_status_each(page):
    html, _ = page
    sec = html.split("Hoefler &amp; Belli")[1].split("<h2>")[0]
    rows = re.findall(r"<tr><td>(\d+)</td>.*?<td class=\"text\">(done|partly|not done)</td>", sec)
    assert [int(r[0]) for r in rows] == list(range(1, 13))


def test_report_without_the_baseline_anywhere_is_a_named_error(synthetic_run, tmp_path):
    with pytest.raises(ValueError, match="^baseline:"):
        report.write_report([str(synthetic_run)], tmp_path / "r.html", baseline="uintr", n_boot=1000)
    assert not (tmp_path / "r.html").exists()


def cli(*args):
    env = dict(os.environ, PYTHONPATH=str(builds.ROOT))
    return subprocess.run([sys.executable, "-m", "uintrlab", *args], capture_output=True,
                          text=True, env=env)


def test_cli_report(tiny_run, tmp_path):
    out = tmp_path / "t.html"
    p = cli("report", str(tiny_run), "--out", str(out), "--bootstrap", "1000", "--quiet")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(out) and out.stat().st_size > 10_000
    assert "python -m uintrlab report" in out.read_text()


@pytest.mark.parametrize("args,name", [
    (["--alpha", "1.5"], "alpha"), (["--alpha", "0"], "alpha"), (["--bootstrap", "10"], "n_boot"),
    (["--outliers", "magic"], "outliers"), (["--outliers", "trim", "--outlier-param", "60"],
                                            "outlier_param"),
    (["--baseline", "smoke"], "baseline"), (["--mechanisms", "uintr"], "mechanisms"),
    (["--seed", "-3"], "seed")])
def test_cli_report_bad_parameters(tiny_run, tmp_path, capsys, args, name):
    from uintrlab.__main__ import main
    rc = main(["report", str(tiny_run), "--out", str(tmp_path / "x.html"), "--quiet", *args])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith(f"error: {name}:"), (args, err)
    assert not (tmp_path / "x.html").exists()


def test_cli_report_directory_without_data(tmp_path, capsys):
    from uintrlab.__main__ import main
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "error: runs:" in err and "no samples" in err


def test_rule_9_says_what_the_host_load_was_or_that_it_was_not_recorded():
    boot = lambda x: {"host_load": {"other_load_cores": x}}  # noqa: E731
    done, text = report._host_load_sentence([{"boots": [boot(0.1), boot(0.9), boot(0.2)]}])
    assert done and "median 0.20, max 0.90 over 3 boots" in text
    done, text = report._host_load_sentence([{"boots": [boot(0.1), {"status": "ok"}]}])
    assert not done and "1 boots predate the record" in text
    done, text = report._host_load_sentence([{"boots": [{"status": "ok"}]}])
    assert not done and text.startswith("Not recorded")


@pytest.fixture(scope="module")
def page_inputs(page):
    """The figures' inputs for the page's run (its analysis from the cache the page filled)."""
    from uintrlab import analysis as A
    from uintrlab import figures
    params = A.validate_params(str(page[1].parent / "rep"), n_boot=1000)
    metas, s = A.load(params)
    an = A.analyse_cached(s, params, metas)
    return figures.Inputs(s, an, study=A.study_tables(an))


def test_figures_are_the_registry_s_in_order(page, page_inputs):
    """The page shows every figure of uintrlab.figures (group analysis, then the study's),
    in order, with its caption, and saves each under its name."""
    import html as h

    from uintrlab import figures
    html, figs = page
    want = [fp for g in ("analysis", "study") for fp in figures.planned(page_inputs, g)]
    captions = [h.unescape(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", html)]
    assert captions == [f.caption_for(page_inputs, p) for f, p in want]
    assert {p.stem for p in figs.iterdir()} == {f.file_name(p) for f, p in want}


def test_sections_are_data_whose_order_is_the_page_s(page):
    html, _ = page
    heads = re.findall(r"<h2>(.*?)</h2>", html)
    # every section but the path lengths', which needs a counting run among the runs
    assert len(heads) == len(report.SECTIONS) - 1 and "Path lengths" not in heads
    for key in report.SECTIONS:
        assert (report.TEMPLATES / "sections" / f"{key}.html.j2").exists(), key
    assert {p.name for p in (report.TEMPLATES / "sections").iterdir()} == {
        f"{k}.html.j2" for k in report.SECTIONS}


def test_a_reordered_section_list_reorders_the_page(page_inputs):
    inputs = page_inputs
    html = report.build_html(inputs.analysis, inputs.samples,
                             sections=("speedups", "summary", "conventions"))
    assert re.findall(r"<h2>(.*?)</h2>", html) == ["Speedups vs eventfd", "Summary", "Conventions"]
    with pytest.raises(ValueError, match="^sections:"):
        report.build_html(inputs.analysis, inputs.samples, sections=("summary", "appendix"))


def test_the_page_is_a_template_not_html_in_python():
    src = (builds.ROOT / "uintrlab" / "report.py").read_text()
    for tag in ("<h2", "<h3", "<li", "<ul", "<table", "<tr", "<figure", "<div"):
        assert tag not in src, tag


def test_a_counting_run_beside_a_latency_run(tiny_run, counting_run_dir, tmp_path):
    """A counting run among the report's runs adds the Path lengths section (its tables and
    figure) and is never analysed as latencies; counting runs alone are refused."""
    import html as h

    from uintrlab import analysis as A
    figs = tmp_path / "figs"
    out = report.write_report([str(tiny_run), str(counting_run_dir)], n_boot=1000, figures_dir=str(figs),
                              out=tmp_path / "r.html")
    page = out.read_text()
    heads = re.findall(r"<h2>(.*?)</h2>", page)
    assert len(heads) == len(report.SECTIONS) and heads.index("Path lengths") == report.SECTIONS.index("pathlen")
    section = page[page.index("<h2>Path lengths"):page.index("<h2>Checklist")]
    for want in ("Instructions per message", "Events per message", "Determinism across boots",
                 "reader_insn_kernel_clean", "senduipi", "pathlen-synthetic", "interrupt entry/exit"):
        assert want in h.unescape(section), want
    assert section.count("<figure>") == 1 and (figs / "instructions-per-message.png").exists()
    # the latency statistics are the latency run's alone
    assert "pathlen-synthetic" in page[:page.index("</h1>")]
    descr = page[page.index("<h2>Descriptive"):page.index("<h2>Outliers")]
    assert "eventfd" in descr and "uintr</td>" not in descr
    assert report.default_out([tiny_run, counting_run_dir]).name == f"report-{tiny_run.name}+pathlen-synthetic.html"
    with pytest.raises(A.ParameterError, match="^runs: .*only counting runs"):
        report.write_report([str(counting_run_dir)], out=tmp_path / "x.html")
