#!/usr/bin/env bash
# The cargo-fuzz targets in fuzz/ (documents, lenses, schemas, compatibility, versions, ranges,
# diffs), one after another on one core each.
#
#   scripts/fuzz.sh smoke            build every target, run each for 30 s (`make test` does)
#   scripts/fuzz.sh long [SECONDS]   run each for 600 s (or SECONDS) and print the figures
#                                    docs/reliability.md records
#   scripts/fuzz.sh run TARGET [SECONDS] [LIBFUZZER ARGS...]   one target (default 60 s)
#
# Any crash, timeout (10 s per input) or memory blow-up (2 GiB) fails the run, naming the input
# that caused it. The build and the growing corpus live outside the clone:
# $HOME/.cache/versiqii-fuzz-target (never the main target directory) and
# $HOME/.cache/versiqii-fuzz-corpus/<target>; fuzz/seeds/<target>/ holds the committed seeds.
# Crash inputs go to $HOME/.cache/versiqii-fuzz-artifacts/<target>/; copy the ones worth keeping
# into fuzz/seeds/<target>/. VERSIQII_FUZZ_SANITIZER=address builds with AddressSanitizer
# (in its own target directory); the default is none. VERSIQII_FUZZ_JOBS=2 runs two targets at
# a time. Long runs end each target by minimising its corpus (libFuzzer's -merge=1), as smokes do
# once a corpus holds over 20,000 files.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

mode=${1:-smoke}
case "$mode" in
  smoke) seconds=${2:-30} ;;
  long) seconds=${2:-600} ;;
  run)
    [ $# -ge 2 ] || usage
    seconds=${3:-60}
    ;;
  *) usage ;;
esac

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: run scripts/install-deps.sh (or cargo install cargo-fuzz --locked)" >&2
  exit 1
fi

sanitizer=${VERSIQII_FUZZ_SANITIZER:-none}
cache=${XDG_CACHE_HOME:-$HOME/.cache}
target_dir=$cache/versiqii-fuzz-target
[ "$sanitizer" = none ] || target_dir=$cache/versiqii-fuzz-target-$sanitizer
export CARGO_TARGET_DIR=$target_dir
corpus_root=$cache/versiqii-fuzz-corpus
artifact_root=$cache/versiqii-fuzz-artifacts
# cargo-fuzz passes -Z flags to rustc; stable accepts them with RUSTC_BOOTSTRAP (CI has stable).
export RUSTC_BOOTSTRAP=1

mapfile -t all < <(cd fuzz && cargo fuzz list)
if [ "$mode" = run ]; then
  targets=("$2")
  extra=("${@:4}")
else
  targets=("${all[@]}")
  extra=()
fi

if [ "$mode" = smoke ]; then
  # Not a member of the main workspace, so `cargo fmt --all` does not see it.
  cargo fmt --manifest-path fuzz/Cargo.toml --check
fi

echo "building fuzz targets (sanitizer: $sanitizer, target dir: $target_dir)" >&2
build_started=$(date +%s)
if [ "$mode" = run ]; then
  (cd fuzz && cargo fuzz build -s "$sanitizer" "$2") >&2
else
  (cd fuzz && cargo fuzz build -s "$sanitizer") >&2
fi
echo "built in $(($(date +%s) - build_started)) s" >&2
bin_dir=$target_dir/$(rustc -vV | sed -n 's/^host: //p')/release

logs=$(mktemp -d /tmp/versiqii-fuzz.XXXXXX)
trap 'rm -rf "$logs"' EXIT

# One target: its run, then its corpus minimised so later runs load only inputs that add
# coverage (after long runs, and after a smoke once it holds over 20,000 files). Writes $logs/<target>.row, and $logs/<target>.failed on a problem.
fuzz_one() {
  local target=$1
  local corpus=$corpus_root/$target artifacts=$artifact_root/$target seeds=$root/fuzz/seeds/$target
  local log=$logs/$target.log status=0
  mkdir -p "$corpus" "$artifacts" "$seeds"
  echo "== $target: ${seconds} s" >&2
  # The first directory takes what the run finds; the seeds are only read.
  "$bin_dir/$target" "$corpus" "$seeds" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "${extra[@]}" >"$log" 2>&1 || status=$?
  local done_line execs rate cov ft units files crashes=0
  done_line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  units=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[A-Za-z]*\).*/\1/p' <<<"$done_line")
  if [ "$status" -ne 0 ]; then
    crashes=1
    touch "$logs/$target.failed"
    {
      echo "!! $target failed (exit $status):"
      grep -E -A3 'panicked at|ERROR: libFuzzer' "$log" | cut -c1-400 | head -20 || true
      grep -E 'Test unit written to' "$log" | sed 's/^/!! /' || tail -30 "$log"
    } >&2
  elif [ "$mode" = long ] || [ "$(find "$corpus" -type f | wc -l)" -gt 20000 ]; then
    rm -rf "$corpus.min"
    mkdir -p "$corpus.min"
    if "$bin_dir/$target" -merge=1 -rss_limit_mb=2048 -timeout=10 "$corpus.min" "$corpus" \
      >"$log.merge" 2>&1; then
      rm -rf "$corpus" && mv "$corpus.min" "$corpus"
    else
      rm -rf "$corpus.min"
    fi
  fi
  files=$(find "$corpus" -type f | wc -l)
  echo "   $target: ${execs:-?} execs, ${rate:-?} exec/s, cov: ${cov:-?} ft: ${ft:-?}, corpus: ${units:-?} ($files files)" >&2
  echo "| \`$target\` | $seconds | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${units:-?} | $files | $crashes |" >"$logs/$target.row"
}

# VERSIQII_FUZZ_JOBS targets at a time (1 by default: the smoke must leave a core to the rest).
jobs=${VERSIQII_FUZZ_JOBS:-1}
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait

echo >&2
echo "| target | seconds | execs | exec/s | cov | ft | corpus (units/size) | corpus files | crashes |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
failed=()
for target in "${targets[@]}"; do
  cat "$logs/$target.row" 2>/dev/null || echo "| \`$target\` | $seconds | ? | ? | ? | ? | ? | ? | ? |"
  [ ! -e "$logs/$target.failed" ] && [ -e "$logs/$target.row" ] || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (inputs under $artifact_root/<target>/)" >&2
  exit 1
fi
