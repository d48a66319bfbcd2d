# Sourced by run.sh and run_scaled.sh: who may use the Rasa HTTP API.
# It is only reachable from this machine unless RASA_INTERFACE says otherwise; then a
# token is required (BACKSTOP_API_TOKEN, or one generated into var/api-token on first
# use). Browsers may call it only from the widget's own site unless BACKSTOP_CORS says
# otherwise. Sets RASA_INTERFACE, AUTH (array) and CORS (array); needs WEB_PORT.
RASA_INTERFACE=${RASA_INTERFACE:-127.0.0.1}
AUTH=()
if [[ -z ${BACKSTOP_API_TOKEN:-} && $RASA_INTERFACE != 127.0.0.1 && $RASA_INTERFACE != localhost ]]; then
  [[ -s var/api-token ]] || (umask 077; mkdir -p var; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >var/api-token)
  BACKSTOP_API_TOKEN=$(cat var/api-token)
  echo "Rasa API token (needed for /conversations, /model ...): see var/api-token"
fi
if [[ -n ${BACKSTOP_API_TOKEN:-} ]]; then AUTH=(--auth-token "$BACKSTOP_API_TOKEN"); fi
read -r -a CORS <<<"${BACKSTOP_CORS:-http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT}"
