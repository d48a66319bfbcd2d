#!/usr/bin/env bash
# Start the action server and Rasa (REST/socket.io server, or the terminal chat).
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-server}
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
MODEL=${MODEL:-models/backstop.tar.gz}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
WEB_PORT=${WEB_PORT:-8080}
source scripts/api_access.sh
mkdir -p var
export PYTHONPATH=$PWD TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1
# The action server only listens on this machine unless told otherwise.
export SANIC_HOST=${ACTION_HOST:-127.0.0.1}

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Backstop stopped."
}
trap stop EXIT INT TERM

wait_for() {  # url, name, seconds
  for _ in $(seq 1 "$3"); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 1
  done
  echo "$2 did not start; see var/*.log" >&2
  exit 1
}

.venv/bin/python -m runtime.actions --actions actions --port "$ACTION_PORT" >var/actions.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$ACTION_PORT/health" "The action server" 60

if [[ $mode == shell ]]; then
  .venv/bin/python -m runtime shell -m "$MODEL" --port "$RASA_PORT" --endpoints "$ENDPOINTS" 2>var/shell.log
  exit 0
fi

# Messaging platforms whose environment variables are set are added to the channels.
.venv/bin/python scripts/credentials.py var/credentials.yml
.venv/bin/python -m runtime run -m "$MODEL" --endpoints "$ENDPOINTS" --credentials var/credentials.yml --enable-api \
  --cors "${CORS[@]}" --interface "$RASA_INTERFACE" --port "$RASA_PORT" >var/rasa.log 2>&1 &
pids+=($!)
WEB_PORT=$WEB_PORT .venv/bin/python web/server.py >var/web.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$RASA_PORT/" "Rasa" 180
wait_for "http://127.0.0.1:$WEB_PORT/health" "The widget server" 30
cat <<MSG
Backstop is running (Ctrl-C to stop).
  REST webhook:  http://localhost:$RASA_PORT/webhooks/rest/webhook
                 curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"hi"}'
  Web chat demo: http://localhost:$WEB_PORT/  (embed: see README)
  Rasa HTTP API: http://localhost:$RASA_PORT/
  Actions:       http://localhost:$ACTION_PORT/health
  Logs:          var/rasa.log, var/actions.log
MSG
wait -n "${pids[@]}"
