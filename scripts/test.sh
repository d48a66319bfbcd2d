#!/usr/bin/env bash
# Everything `make test` checks, in order, with a summary table at the end.
# Every step runs even if an earlier one failed; the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore
mkdir -p results var
rows=()
failed=0

step() {  # name, figure-command, command...
  local name=$1 figure=$2; shift 2
  local start=$SECONDS log="results/${name// /_}.log"
  echo "==> $name"
  if "$@" >"$log" 2>&1; then status=PASS; else status=FAIL; failed=1; fi
  tail -n 25 "$log"
  rows+=("$(printf '%-22s %-5s %5ss  %s' "$name" "$status" "$((SECONDS - start))" "$(eval "$figure" 2>/dev/null)")")
}

# Two independent steps at once (each mostly uses one core): rows in the order given.
pair() {  # name1 figure1 cmd1 -- name2 figure2 cmd2 (each command one word plus its arguments, no "--")
  local a=() b=() seen=0
  for arg in "$@"; do
    if [[ $arg == "--" ]]; then seen=1; elif (( seen )); then b+=("$arg"); else a+=("$arg"); fi
  done
  local out_a out_b
  out_a=$(mktemp) out_b=$(mktemp)
  ( rows=(); failed=0; step "${a[@]}"; printf '%s\n%s\n' "$failed" "${rows[0]}" >"$out_a" ) &
  ( rows=(); failed=0; step "${b[@]}"; printf '%s\n%s\n' "$failed" "${rows[0]}" >"$out_b" ) &
  wait
  for out in "$out_a" "$out_b"; do
    [[ "$(sed -n 1p "$out")" == 1 ]] && failed=1
    rows+=("$(sed -n 2p "$out")")
    rm -f "$out"
  done
}

step "system packages" "echo chromium postgresql redis nginx" scripts/system-deps.sh
step "validate data" "grep -o '([0-9]* warnings)\|0 warnings' results/validate_data.log | tail -1" \
  .venv/bin/python scripts/validate.py
step "ruff" "tail -1 results/ruff.log" .venv/bin/ruff check .
step "pytest" "grep -Eo '[0-9]+ passed.*' results/pytest.log | tail -1" \
  .venv/bin/python -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning -m "not e2e and not scale" -n 2 tests
step "train" "tail -1 results/train.log" scripts/train.sh
step "test stories" "grep -Eo 'Correct: *[0-9]+ */ *[0-9]+' results/test_stories.log | head -1" \
  scripts/test_stories.sh
step "end-to-end" "grep -Eo '[0-9]+ passed.*' results/end-to-end.log | tail -1" \
  .venv/bin/python -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning -m e2e -n 2 --dist loadfile tests
step "scale-out" "grep -Eo '[0-9]+ passed.*' results/scale-out.log | tail -1" \
  .venv/bin/python -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning -m scale tests
step "conversations" "grep -E '^== |^acceptable|^under|^median' results/conversations.log | tr '\n' ' '" \
  .venv/bin/python scripts/eval_conversations.py
# the NLU hold-out and the red-flag sets each load the model in process: run side by side
pair "nlu hold-out" "grep -E 'hold-out intent accuracy|entities: precision' results/nlu_hold-out.log | tr '\n' ' '" \
  .venv/bin/python scripts/eval_nlu.py -- \
  "red flags" "grep -E '^== |emergency\+urgent|false escalations|^probes' results/red_flags.log | tr '\n' ' '" \
  .venv/bin/python scripts/eval_redflags.py

echo
echo "Backstop test summary"
printf '%-22s %-5s %6s  %s\n' step result time figures
for row in "${rows[@]}"; do echo "$row"; done
exit $failed
