#!/usr/bin/env bash
# The blocking-mode sweep of issue 4: does the depth of the reader's sleep change the
# result? One run per idle time (the writer's wait after it verified the reader asleep):
# 1 000 us, 10 000 us and 100 000 us (the study's), fewer messages than the full profile.
#
#   scripts/idle-sweep.sh [BOOTS] [MESSAGES]     (defaults 3 and 500)
#
# Writes data/runs/sweep-idle<us>-<time>/ per idle time and prints their paths.
set -euo pipefail
cd "$(dirname "$0")/.."
boots=${1:-3} count=${2:-500}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for idle in 1000 10000 100000; do
	.venv/bin/python -m uintrlab run --platform tcg --mechanism eventfd,uintr_event,uintr,futex \
		--mode blocking --blocking-count "$count" --count "$count" --boots "$boots" \
		--idle-us "$idle" --run-id "sweep-idle$idle-$stamp" --no-progress
done
