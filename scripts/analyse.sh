#!/usr/bin/env bash
# make analysis RUN="data/runs/<id> [data/runs/<id> ...]": the whole analysis of runs, as
# make artifact does it after its runs. Each directory is a latency run (samples/*.parquet)
# or a path-length counting run (metadata kind path-lengths; run --path-lengths):
#   latency runs (together): notebooks/02-analysis.ipynb (tables, figures/ in PDF, PNG and
#     SVG) and notebooks/03-compare-with-study.ipynb;
#   counting runs (together): notebooks/04-path-lengths.ipynb (its tables and figure);
# each executed under papermill into reports/ and rendered as HTML; then, if there is a
# latency run, the one-page report of all of them (python -m uintrlab report; a counting
# run adds its Path lengths section), which reuses notebook 02's analysis from the cache
# instead of computing it again.
#
#   scripts/analyse.sh "RUN [RUN...]" [figures-dir]     (REPORTS_DIR: instead of reports/)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-}
figures=${2:-figures}
reports=${REPORTS_DIR:-reports}
[ -n "${runs// /}" ] || { echo "analysis: RUN must name a run directory (RUN=data/runs/<id>)" >&2; exit 1; }
export PYTHONPATH=$PWD
py=.venv/bin/python
latency=() counting=()
for run in $runs; do
	run=${run%/}
	[ -d "$run" ] || { echo "analysis: RUN: no such run directory: $run" >&2; exit 1; }
	if compgen -G "$run/samples/*.parquet" >/dev/null; then
		latency+=("$run")
	elif $py -c 'import sys; from uintrlab import pathlen; sys.exit(not pathlen.is_counting_run(sys.argv[1]))' "$run"; then
		counting+=("$run")
	else
		echo "analysis: RUN: $run holds no samples (samples/*.parquet) and is no counting run" \
			"(metadata kind path-lengths): not a run directory" >&2
		exit 1
	fi
done
ids() { local IFS=+ n=(); for r in "$@"; do n+=("$(basename "$r")"); done; echo "${n[*]}"; }
yaml() { local s=""; for r in "$@"; do s+="\"$r\", "; done; echo "[${s%, }]"; }
mkdir -p "$reports" "$figures"
t0=$(date +%s)
step() { echo "analysis: $(date -u +%H:%M:%S) $*"; }
notebooks=()
if [ ${#latency[@]} -gt 0 ]; then
	id=$(ids "${latency[@]}")
	step "notebook 02 on ${latency[*]}"
	$py -m papermill --cwd . notebooks/02-analysis.ipynb "$reports/02-analysis-$id.ipynb" \
		-y "runs: $(yaml "${latency[@]}")" -p figures_dir "$figures"
	step "notebook 03"
	$py -m papermill --cwd . notebooks/03-compare-with-study.ipynb "$reports/03-compare-with-study-$id.ipynb" \
		-y "runs: $(yaml "${latency[@]}")" -p figures_dir "$figures"
	notebooks+=("$reports/02-analysis-$id.ipynb" "$reports/03-compare-with-study-$id.ipynb")
fi
if [ ${#counting[@]} -gt 0 ]; then
	cid=$(ids "${counting[@]}")
	step "notebook 04 on ${counting[*]}"
	$py -m papermill --cwd . notebooks/04-path-lengths.ipynb "$reports/04-path-lengths-$cid.ipynb" \
		-y "runs: $(yaml "${counting[@]}")" -p figures_dir "$figures"
	notebooks+=("$reports/04-path-lengths-$cid.ipynb")
fi
step "rendering the notebooks as HTML"
$py -m jupyter nbconvert --to html --log-level WARN "${notebooks[@]}"
if [ ${#latency[@]} -gt 0 ]; then
	all=$(ids "${latency[@]}" "${counting[@]}")
	step "the report"
	$py -m uintrlab report "${latency[@]}" "${counting[@]}" --out "$reports/report-$all.html" \
		--figures-dir "$figures" --quiet
fi
step "done in $(($(date +%s) - t0)) s"
echo "  figures:   $($py -m uintrlab.figures "$figures")"   # every file of uintrlab.figures.FIGURES
[ ${#latency[@]} -eq 0 ] ||
	echo "  report:    $reports/report-$all.html (every table and figure on one page)"
echo "  notebooks: ${notebooks[*]} (each also as .html)"
