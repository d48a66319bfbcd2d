#!/usr/bin/env bash
# Scale-out profile: PostgreSQL tracker store + Redis lock store (scripts/services.sh), the
# action server, RASA_INSTANCES Rasa servers (ports RASA_BASE_PORT, +1, ...) configured by
# endpoints.scaled.yml, and nginx on RASA_PORT balancing across them (round robin for the REST
# webhook and HTTP API, ip_hash + WebSocket upgrade for socket.io).
# Ctrl-C stops everything this script started (services that were already running are left
# running); so does the action server or nginx exiting. A Rasa instance that dies is reported
# and skipped by nginx while the others carry on.
#
# Environment: RASA_INSTANCES [2], RASA_BASE_PORT [5006], RASA_PORT [5005] (the front address),
# RASA_INTERFACE [127.0.0.1] (where the front address listens; anything else requires an API
# token, BACKSTOP_API_TOKEN or one generated into var/api-token, as in scripts/run.sh),
# ACTION_PORT [5055], WEB_PORT [8080] (the widget demo), MODEL [models/backstop.tar.gz],
# BACKSTOP_CORS [the widget's origins], SANIC_WORKERS [1] (workers per Rasa instance; Rasa allows
# more only with the Redis lock store), TICKET_LOCK_LIFETIME [60] (seconds for which a request
# that died with an instance keeps its conversation locked), and the BACKSTOP_PG_* /
# BACKSTOP_REDIS_* variables of scripts/services.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RASA_INSTANCES=${RASA_INSTANCES:-2}
RASA_BASE_PORT=${RASA_BASE_PORT:-5006}
RASA_PORT=${RASA_PORT:-5005}
RASA_INTERFACE=${RASA_INTERFACE:-127.0.0.1}
ACTION_PORT=${ACTION_PORT:-5055}
WEB_PORT=${WEB_PORT:-8080}
MODEL=${MODEL:-models/backstop.tar.gz}
export ACTION_PORT
AUTH=()
if [[ -z ${BACKSTOP_API_TOKEN:-} && $RASA_INTERFACE != 127.0.0.1 && $RASA_INTERFACE != localhost ]]; then
  [[ -s var/api-token ]] || (umask 077; mkdir -p var; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >var/api-token)
  BACKSTOP_API_TOKEN=$(cat var/api-token)
  echo "Rasa API token (needed for /conversations, /model ...): see var/api-token"
fi
[[ -n ${BACKSTOP_API_TOKEN:-} ]] && AUTH=(--auth-token "$BACKSTOP_API_TOKEN")
read -r -a CORS <<<"${BACKSTOP_CORS:-http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT}"
eval "$(scripts/services.sh env)"  # BACKSTOP_PG_*, BACKSTOP_REDIS_*, BACKSTOP_ACTION_URL (exported)
export PYTHONPATH=$ROOT TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1

[[ $RASA_INSTANCES =~ ^[1-9][0-9]*$ ]] || { echo "RASA_INSTANCES must be a positive number" >&2; exit 1; }
[[ -f $MODEL ]] || { echo "No model at $MODEL: run 'make train' first." >&2; exit 1; }
mkdir -p var/nginx/tmp

ports=()
for ((i = 0; i < RASA_INSTANCES; i++)); do ports+=($((RASA_BASE_PORT + i))); done
for port in "$RASA_PORT" "$ACTION_PORT" "$WEB_PORT" "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is already in use (is 'make run' or another run_scaled.sh running?)" >&2
    exit 1
  fi
done

pids=() names=() stop_services=()
stop() {
  trap - EXIT INT TERM
  set +e
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  for service in "${stop_services[@]}"; do scripts/services.sh stop "$service" || true; done
  echo "Backstop (scaled) stopped."
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

spawn() {  # name, log, command... (own process group, so stop() ends its children too)
  local name=$1 log=$2
  shift 2
  setsid "$@" >"$log" 2>&1 &
  pids+=($!) names+=("$name")
}

wait_for() {  # url, name, seconds, log
  for _ in $(seq 1 "$3"); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 1
  done
  echo "$2 did not start within $3 s; see $4" >&2
  exit 1
}

for service in pg redis; do
  scripts/services.sh status "$service" >/dev/null || stop_services+=("$service")
done
scripts/services.sh start

SANIC_HOST=${ACTION_HOST:-127.0.0.1} spawn "action server" var/actions.log \
  .venv/bin/rasa run actions --actions actions --port "$ACTION_PORT"
for port in "${ports[@]}"; do
  spawn "Rasa :$port" "var/rasa-$port.log" .venv/bin/rasa run -m "$MODEL" --enable-api "${AUTH[@]}" \
    --cors "${CORS[@]}" --interface 127.0.0.1 --port "$port" \
    --endpoints endpoints.scaled.yml --credentials credentials.yml
done
if [[ -f web/server.py ]]; then
  WEB_PORT=$WEB_PORT spawn "widget server" var/web.log .venv/bin/python web/server.py
fi

# nginx: generated config, everything under var/nginx, in the foreground as our child.
servers=""
for port in "${ports[@]}"; do servers+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'; done
user_line=""
if ((EUID == 0)); then  # nginx's workers drop root; they write only var/nginx/tmp
  worker=www-data
  id "$worker" >/dev/null 2>&1 || worker=nobody
  user_line="user $worker $(id -gn "$worker");"
  chown -R "$worker:" var/nginx/tmp
fi
N=$ROOT/var/nginx
cat >var/nginx/nginx.conf <<CONF
# Generated by scripts/run_scaled.sh; edits are overwritten.
$user_line
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstream '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                      'upstream=\$upstream_addr \$upstream_response_time s';
  access_log $N/access.log upstream;
  client_body_temp_path $N/tmp/body;
  proxy_temp_path $N/tmp/proxy;
  fastcgi_temp_path $N/tmp/fastcgi;
  uwsgi_temp_path $N/tmp/uwsgi;
  scgi_temp_path $N/tmp/scgi;
  client_max_body_size 10m;

  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }

  upstream rasa_round_robin {
$servers  }
  upstream rasa_sticky {  # socket.io: a session's polling requests must reach one instance
    ip_hash;
$servers  }

  server {
    listen $RASA_INTERFACE:$RASA_PORT;
    proxy_set_header Host \$host;
    proxy_set_header X-Real-IP \$remote_addr;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_read_timeout 90s;  # also ends (and so unlocks) a request stuck on a conversation lock
    # An instance that refuses the connection is skipped; a POST already sent to an instance
    # that then dies is not re-sent (it may have been processed): the client gets a 502.
    proxy_next_upstream error timeout http_502 http_503;

    location /socket.io/ {
      proxy_pass http://rasa_sticky;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
    location / {
      proxy_pass http://rasa_round_robin;
    }
  }
}
CONF
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -t -q -p "$N" -e "$N/error.log" -c "$N/nginx.conf"
spawn "nginx" var/nginx/nginx.log "$NGINX" -p "$N" -e "$N/error.log" -c "$N/nginx.conf"

wait_for "http://127.0.0.1:$ACTION_PORT/health" "The action server" 90 var/actions.log
for port in "${ports[@]}"; do
  wait_for "http://127.0.0.1:$port/" "Rasa on port $port" 300 "var/rasa-$port.log"
done
wait_for "http://127.0.0.1:$RASA_PORT/" "nginx on port $RASA_PORT" 30 var/nginx/error.log
[[ -f web/server.py ]] && wait_for "http://127.0.0.1:$WEB_PORT/health" "The widget server" 30 var/web.log

instances=""
for port in "${ports[@]}"; do instances+="                 http://127.0.0.1:$port  (log var/rasa-$port.log)"$'\n'; done
cat <<MSG
Backstop (scaled, $RASA_INSTANCES Rasa instances) is running (Ctrl-C to stop).
  Front address: http://localhost:$RASA_PORT/   (nginx: round robin; socket.io sticky by client IP)
  REST webhook:  http://localhost:$RASA_PORT/webhooks/rest/webhook
                 curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"hi"}'
  Socket.io:     http://localhost:$RASA_PORT/socket.io/
  Web chat demo: http://localhost:$WEB_PORT/
  Instances:
$instances  Actions:       http://127.0.0.1:$ACTION_PORT/health  (log var/actions.log)
  PostgreSQL:    $BACKSTOP_PG_HOST:$BACKSTOP_PG_PORT db $BACKSTOP_PG_DB  (data var/pg)
  Redis:         $BACKSTOP_REDIS_HOST:$BACKSTOP_REDIS_PORT db $BACKSTOP_REDIS_DB  (lock store)
  nginx:         var/nginx/nginx.conf, var/nginx/access.log, var/nginx/error.log
MSG
# A Rasa instance that dies is left out by nginx and the others carry on; the action server,
# nginx or the last Rasa instance exiting stops everything.
set +e
declare -A reported=()
while true; do
  alive=()
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
  ((${#alive[@]} == 0)) || wait -n "${alive[@]}"
  rasa_alive=0
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      [[ ${names[$i]} == Rasa* ]] && rasa_alive=$((rasa_alive + 1))
    elif [[ -z ${reported[$i]:-} ]]; then
      reported[$i]=1
      [[ ${names[$i]} == Rasa* ]] || { echo "${names[$i]} exited; stopping everything." >&2; exit 1; }
      echo "${names[$i]} exited (see its log); the other instances carry on." >&2
    fi
  done
  ((rasa_alive > 0)) || { echo "No Rasa instance left; stopping everything." >&2; exit 1; }
done
