#!/usr/bin/env bash
# Boot the guest once (our QEMU, TCG, 2 vCPUs) and run the conformance suite in it.
#
#   run-guest.sh [--kernel BZIMAGE] [--qemu QEMU] [--cpu MODEL] [--out DIR]
#                [--timeout SECONDS] [-- SUITE-ARGUMENTS...]
#
#   run-guest.sh                                   full suite, -cpu max
#   run-guest.sh --cpu max,-uintr -- --no-uintr    the suite for a CPU without UINTR
#
# Prints the suite's lines; exits with the suite's status (0: nothing failed), 3 when
# the guest did not produce results. Console log and results stay in --out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kernel='' qemu='' cpu=max out='' limit=1800
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--qemu) qemu=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "run-guest: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -n "$kernel" ] || kernel=$(bash "$root/kernel/build-kernel.sh")
[ -n "$qemu" ] || qemu=$(bash "$root/env/build-qemu.sh")
build=${BUILD:-$root/csrc/build}	# BUILD and PATCH_DIR pass through to the Makefile
make -s -C "$here" BUILD="$build" initramfs
base=$root/csrc/build/guest/initramfs.cpio
[ -f "$base" ] || make -s -C "$root/csrc" build/guest/initramfs.cpio
out=${out:-$(mktemp -d /tmp/uintr-conformance.XXXXXX)}
mkdir -p "$out"

# The suite's arguments travel as one more cpio member, /plan/conformance-args.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/plan"
printf '%s\n' "$*" >"$stage/plan/conformance-args"
(cd "$stage" && find plan | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 >"$out/plan.cpio")
cat "$base" "$build/guest/conformance-overlay.cpio" "$out/plan.cpio" >"$out/initrd.cpio"
rm -f "$out/results.img"
truncate -s 64M "$out/results.img"

set +e
timeout "$limit" "$qemu" -L /usr/share/seabios -L /usr/share/qemu -nodefaults -nic none \
	-machine q35 -accel tcg,thread=multi -cpu "$cpu" -smp 2 -m 512M \
	-kernel "$kernel" -initrd "$out/initrd.cpio" \
	-append "console=ttyS0 panic=-1 pti=off clocksource=tsc tsc=reliable" \
	-display none -serial stdio -monitor none -no-reboot \
	-drive "file=$out/results.img,format=raw,if=none,id=results" \
	-device virtio-blk-pci,drive=results >"$out/console.log" 2>&1
qrc=$?
set -e
rm -rf "$out/results" && mkdir -p "$out/results"
if ! tar -xf "$out/results.img" -C "$out/results" 2>/dev/null || [ ! -f "$out/results/conformance.rc" ]; then
	echo "run-guest: no results (QEMU status $qrc); console log: $out/console.log" >&2
	tail -20 "$out/console.log" >&2
	exit 3
fi
cat "$out/results/conformance.txt"
exit "$(cat "$out/results/conformance.rc")"
