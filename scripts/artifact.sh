#!/usr/bin/env bash
# make artifact PROFILE=quick|full: run the experiments (notebooks/01-run.ipynb), analyse
# them (notebooks/02-analysis.ipynb: tables, figures/ in PDF and PNG) and render the
# executed analysis as HTML in reports/. Builds must exist (make build).
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
$py -m jupyter nbconvert --to html --log-level WARN "reports/02-analysis-$run_id.ipynb"
echo "artifact: done in $(($(date +%s) - start)) s"
echo "  data:    data/runs/$run_id/ (samples/*.parquet, metadata.json)"
echo "  figures: figures/latency-ecdf.{pdf,png} figures/latency-violin.{pdf,png}"
echo "  report:  reports/02-analysis-$run_id.html"
