#!/usr/bin/env bash
# The project's single entry point (the Makefile calls it; use it directly where make is missing).
#   bash scripts/dev.sh env            create .venv from requirements.lock (skipped when up to date)
#   bash scripts/dev.sh test           lint + unit tests + nbval notebook regression
#   bash scripts/dev.sh html [PROFILE] render a profile's executed pages to HTML (seconds; executes nothing)
#   bash scripts/dev.sh pdf [PROFILE]  the whole book as one PDF, _build/pdf/book.pdf (needs Chromium)
#   bash scripts/dev.sh book [PROFILE] execute the notebooks with papermill and build the HTML book
#                                      (paper and rehearsal check what they need first; rehearsal: the paper
#                                      profile on CPU stand-ins)
#   bash scripts/dev.sh check PROFILE  only check what a profile needs (data, weights, GPU, disk, executor)
#   bash scripts/dev.sh bench          speed benchmarks (ratios against references timed in the same run)
#   bash scripts/dev.sh lock           re-pin requirements.lock from requirements.in
#   bash scripts/dev.sh nbval-refresh  re-execute the notebooks at smoke defaults into tests/nbval/
#   bash scripts/dev.sh hashes         record the run hashes of every profile (after a deliberate change of the runs)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.installed

die() { echo "error: $*" >&2; exit 1; }

check_python() {
  command -v "$PY" >/dev/null || die "no '$PY' on PATH: install Python 3.11 or newer (or set PYTHON=/path/to/python3.11)"
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$("$PY" -V 2>&1) is too old: this project needs Python >= 3.11 (set PYTHON=/path/to/python3.11)"
}

check_torch_build() {
  "$VENV/bin/python" - <<'PY'
import sys, torch
if torch.version.cuda and not torch.cuda.is_available():
    print(f"warning: torch {torch.__version__} is a CUDA build but this machine has no usable GPU; it works "
          "on the CPU but costs several GB. For a CPU-only machine reinstall the CPU build: "
          ".venv/bin/pip install --force-reinstall torch==2.13.0 from PyTorch's CPU wheel index "
          "(see the install selector on the PyTorch site).", file=sys.stderr)
PY
}

env_up_to_date() {
  [ -f "$STAMP" ] && [ "$STAMP" -nt requirements.lock ] && [ "$STAMP" -nt pyproject.toml ] && [ -x "$VENV/bin/python" ]
}

cmd_env() {
  if env_up_to_date; then return 0; fi
  check_python
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  # torch is pinned in the lock file, so pip never pulls a CUDA build in as a dependency
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.lock
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  check_torch_build
  touch "$STAMP"
}

cmd_test() {
  cmd_env
  "$VENV/bin/ruff" check collapse_lib tests scripts benchmarks notebooks
  "$VENV/bin/python" -m pytest tests "$@"
}

cmd_book() {
  cmd_env
  "$VENV/bin/python" scripts/build_book.py --profile "${1:-cpu}"
}

cmd_check() {
  cmd_env
  "$VENV/bin/python" scripts/build_book.py --profile "${1:-paper}" --check
}

cmd_html() {
  cmd_env
  "$VENV/bin/python" scripts/build_book.py --render-only --profile "${1:-cpu}"
}

cmd_pdf() {
  cmd_env
  "$VENV/bin/python" scripts/book_pdf.py --profile "${1:-cpu}"
}

cmd_bench() {
  cmd_env
  # fpsample, the exact FPS library the selection benchmark compares with, is a benchmark-only dependency
  "$VENV/bin/python" -c 'import fpsample' 2>/dev/null || "$VENV/bin/pip" install -q --disable-pip-version-check fpsample \
    || echo "note: could not install fpsample; the selection benchmark runs without it" >&2
  "$VENV/bin/python" benchmarks/run.py "$@"
}

cmd_nbval_refresh() {
  cmd_env
  # re-execute every notebook at its smoke defaults into tests/nbval (the outputs nbval compares against)
  tmp=$(mktemp -d)
  COLLAPSE_RUNS="$tmp/runs" COLLAPSE_RESULTS="$tmp/results" \
    "$VENV/bin/python" scripts/build_book.py --execute-only tests/nbval "$@"
  rm -rf "$tmp"
}

cmd_hashes() {
  cmd_env
  # the run hashes every profile trains, recorded for the test that no refactor re-keys a run
  "$VENV/bin/python" -c 'import json; from collapse_lib.plan import run_hashes; print(json.dumps(run_hashes(), indent=1, sort_keys=True))' \
    > tests/data/run_hashes.json
}

cmd_lock() {
  check_python
  tmp=$(mktemp -d)
  "$PY" -m venv "$tmp/venv"
  "$tmp/venv/bin/pip" install -q -r requirements.in
  { echo "# Full pinned environment (CPU, Python 3.11). Generated from requirements.in by 'make lock'.";
    "$tmp/venv/bin/pip" freeze | sed 's/^torch==\(.*\)+cpu$/torch==\1/'; } > requirements.lock
  rm -rf "$tmp"
}

case "${1:-}" in
  env) cmd_env ;;
  test) shift; cmd_test "$@" ;;
  book) shift; cmd_book "$@" ;;
  check) shift; cmd_check "$@" ;;
  html) shift; cmd_html "$@" ;;
  pdf) shift; cmd_pdf "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  lock) cmd_lock ;;
  nbval-refresh) shift; cmd_nbval_refresh "$@" ;;
  hashes) cmd_hashes ;;
  *) die "usage: bash scripts/dev.sh env|test|html [PROFILE]|pdf [PROFILE]|book [PROFILE]|check PROFILE|bench|lock|nbval-refresh|hashes" ;;
esac
