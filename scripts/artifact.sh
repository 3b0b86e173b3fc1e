#!/usr/bin/env bash
# make artifact PROFILE=quick|full: run the experiments (notebooks/01-run.ipynb), then
# analyse the run with scripts/analyse.sh (= make analysis: notebooks 02 and 03, their HTML,
# the figures in figures/ and the one-page report). Builds must exist (make build).
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
bash scripts/analyse.sh "data/runs/$run_id" figures
echo "artifact: done in $(($(date +%s) - start)) s"
echo "  data:    data/runs/$run_id/ (samples/*.parquet, metadata.json)"
