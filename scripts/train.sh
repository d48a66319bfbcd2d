#!/usr/bin/env bash
# Train only when the training inputs changed since the last model (fingerprint).
set -euo pipefail
cd "$(dirname "$0")/.."
model=models/backstop.tar.gz
stamp=models/.fingerprint
fp=$(cat config.yml domain.yml $(find data -name '*.yml' | sort) | sha256sum | cut -c1-16)
if [[ -f $model && -f $stamp && "$(cat "$stamp")" == "$fp" ]]; then
  echo "Model is up to date ($model); not retraining."
  exit 0
fi
echo "Training the model (inputs changed)..."
start=$(date +%s)
.venv/bin/rasa train --fixed-model-name backstop --out models --quiet
echo "$fp" > "$stamp"
echo "Trained in $(( $(date +%s) - start ))s."
