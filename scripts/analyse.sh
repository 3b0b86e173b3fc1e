#!/usr/bin/env bash
# make analysis RUN=data/runs/<id>: the whole analysis of one run, as make artifact does it
# after its runs: notebooks/02-analysis.ipynb (tables, figures/ in PDF, PNG and SVG) and
# notebooks/03-compare-with-study.ipynb executed under papermill into reports/ and rendered
# as HTML, then the one-page report (python -m uintrlab report), which reuses notebook 02's
# analysis from the cache instead of computing it again.
#
#   scripts/analyse.sh data/runs/<id> [figures-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-}
figures=${2:-figures}
[ -n "$run" ] || { echo "analysis: RUN must name a run directory (RUN=data/runs/<id>)" >&2; exit 1; }
run=${run%/}
[ -d "$run" ] || { echo "analysis: RUN: no such run directory: $run" >&2; exit 1; }
compgen -G "$run/samples/*.parquet" >/dev/null ||
	{ echo "analysis: RUN: $run holds no samples (samples/*.parquet): not a run directory" >&2; exit 1; }
export PYTHONPATH=$PWD
py=.venv/bin/python
id=$(basename "$run")
mkdir -p reports "$figures"
t0=$(date +%s)
step() { echo "analysis: $(date -u +%H:%M:%S) $*"; }
step "notebook 02 on $run"
$py -m papermill --cwd . notebooks/02-analysis.ipynb "reports/02-analysis-$id.ipynb" \
	-p runs "$run" -p figures_dir "$figures"
step "notebook 03"
$py -m papermill --cwd . notebooks/03-compare-with-study.ipynb "reports/03-compare-with-study-$id.ipynb" \
	-p runs "$run" -p figures_dir "$figures"
step "rendering the notebooks as HTML"
$py -m jupyter nbconvert --to html --log-level WARN "reports/02-analysis-$id.ipynb" \
	"reports/03-compare-with-study-$id.ipynb"
step "the report"
$py -m uintrlab report "$run" --out "reports/report-$id.html" --figures-dir "$figures" --quiet
step "done in $(($(date +%s) - t0)) s"
echo "  figures:   $($py -m uintrlab.figures "$figures")"   # every file of uintrlab.figures.FIGURES
echo "  report:    reports/report-$id.html (every table and figure on one page)"
echo "  notebooks: reports/02-analysis-$id.{ipynb,html}, reports/03-compare-with-study-$id.{ipynb,html}"
