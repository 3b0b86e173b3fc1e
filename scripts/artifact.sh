#!/usr/bin/env bash
# make artifact PROFILE=quick|full: run the experiments (notebooks/01-run.ipynb), analyse
# them (notebooks/02-analysis.ipynb: tables, figures/ in PDF, PNG and SVG), set them beside
# the study (notebooks/03-compare-with-study.ipynb), render both executed notebooks as HTML
# in reports/, and write the one-page report (python -m uintrlab report). Builds must exist
# (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-quick}
case "$profile" in
quick | full) ;;
*) echo "artifact: PROFILE must be 'quick' or 'full', not '$profile'" >&2; exit 1 ;;
esac
export PYTHONPATH=$PWD
py=.venv/bin/python
run_id=$profile-$(date -u +%Y%m%dT%H%M%SZ)
start=$(date +%s)
mkdir -p reports figures
echo "artifact: profile $profile, run data/runs/$run_id"
$py -m papermill --cwd . notebooks/01-run.ipynb "reports/01-run-$run_id.ipynb" \
	-p profile "$profile" -p run_id "$run_id"
$py -m papermill --cwd . notebooks/02-analysis.ipynb "reports/02-analysis-$run_id.ipynb" \
	-y "runs: [data/runs/$run_id]" -p figures_dir figures
$py -m papermill --cwd . notebooks/03-compare-with-study.ipynb "reports/03-compare-with-study-$run_id.ipynb" \
	-y "runs: [data/runs/$run_id]" -p figures_dir figures
$py -m jupyter nbconvert --to html --log-level WARN "reports/02-analysis-$run_id.ipynb" \
	"reports/03-compare-with-study-$run_id.ipynb"
$py -m uintrlab report "data/runs/$run_id" --out "reports/report-$run_id.html" --quiet
echo "artifact: done in $(($(date +%s) - start)) s"
echo "  data:    data/runs/$run_id/ (samples/*.parquet, metadata.json)"
echo "  figures: figures/{latency-ecdf,latency-violin,boot-medians,speedup-forest,latency-timeseries-<platform>,study-vs-ours}.{pdf,png,svg}"
echo "  report:  reports/report-$run_id.html (every table and figure on one page)"
echo "  notebooks: reports/02-analysis-$run_id.html, reports/03-compare-with-study-$run_id.html"
