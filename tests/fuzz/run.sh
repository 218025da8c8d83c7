#!/bin/sh
# Builds the libFuzzer targets (clang-14 with AddressSanitizer and UndefinedBehaviorSanitizer)
# in FUZZ_BUILD, makes seeds from real programs relayed by BUILD (make_seeds.py), replays the
# saved findings of tests/fuzz/regressions/TARGET/, then fuzzes each target for SECONDS.
# Exits non-zero on any crash, sanitizer report, allocation over 12 GiB or timeout (> 120 s for
# one input). Findings land in FUZZ_BUILD/findings/TARGET/. The mutations start from a fixed
# seed (FUZZ_SEED, 1 unless set; 0 picks one at random), so a short run (CI) repeats itself.
#
# With RUNS, each target stops after that many inputs (or SECONDS, whichever comes first): with
# the fixed seed, a run of few inputs is the same run every time (CI).
#
#   run.sh BUILD FUZZ_BUILD SECONDS [RUNS]
set -eu
if [ "$#" -lt 3 ] || [ "$#" -gt 4 ]; then
  echo "usage: $0 BUILD FUZZ_BUILD SECONDS [RUNS]" >&2
  exit 2
fi
build=$1
fuzz_build=$2
seconds=$3
runs=${4:--1}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$fuzz_build" -DGFXRELAY_FUZZ=ON \
  -DGFXRELAY_BUILD_TESTS=OFF -DGFXRELAY_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$fuzz_build" -j"$(nproc)" --target fuzz_decoder fuzz_control fuzz_vulkan

[ -d "$fuzz_build/seeds/vulkan" ] || python3 "$here/make_seeds.py" "$build" "$fuzz_build/seeds"

# Mesa keeps allocations until exit by design: leak reports would be its, not ours.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
status=0
for target in decoder control vulkan; do
  corpus=$fuzz_build/corpus/$target
  findings=$fuzz_build/findings/$target
  mkdir -p "$corpus" "$findings"
  regressions=$here/regressions/$target
  if [ -n "$(ls "$regressions" 2>/dev/null)" ]; then
    echo "== fuzz_$target: replaying $(ls "$regressions" | wc -l) saved findings"
    "$fuzz_build/bin/fuzz_$target" -close_fd_mask=2 -timeout=10 "$regressions"/* || status=1
  fi
  echo "== fuzz_$target: ${seconds} s$([ "$runs" -ge 0 ] && echo " or $runs inputs")"
  # fuzz_decoder writes the inputs a finding may need to $findings/history (tests/fuzz/README.md).
  rm -rf "$findings/history" && mkdir -p "$findings/history"
  if ! FUZZ_HISTORY_DIR=$findings/history "$fuzz_build/bin/fuzz_$target" \
      -max_total_time="$seconds" -runs="$runs" -timeout=120 -seed="${FUZZ_SEED:-1}" \
      -handle_abrt=0 -rss_limit_mb=12288 -close_fd_mask=2 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$corpus" "$fuzz_build/seeds/$target" 2>"$findings/log"; then
    status=1
    tail -n 40 "$findings/log"
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$findings/log" |
    sed "s/^/  fuzz_$target /"
done
exit $status
