#!/usr/bin/env bash
# rasa test on tests/test_stories.yml; fails on any wrong prediction or failed story.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf results/stories
.venv/bin/rasa test core --stories tests/test_stories.yml --model models/backstop.tar.gz \
  --fail-on-prediction-errors --out results/stories
if grep -q "story:" results/stories/failed_test_stories.yml 2>/dev/null; then
  echo "failed stories: see results/stories/failed_test_stories.yml"
  exit 1
fi
