# Sourced by run.sh and run_scaled.sh: who may use the Rasa HTTP API and the webhooks.
# They are only reachable from this machine unless RASA_INTERFACE says otherwise; then
# - the HTTP API needs a token (BACKSTOP_API_TOKEN, or one generated into var/api-token),
# - the REST webhook needs a shared secret in its X-Backstop-Secret header
#   (BACKSTOP_REST_SECRET, or one generated into var/rest-secret).
# Both reach Rasa through the environment (python -m runtime reads them), never its command
# line. Browsers (the HTTP API and the widget's socket.io) are accepted only from the widget's
# own site unless BACKSTOP_CORS says otherwise. Sets RASA_INTERFACE and CORS (array) and
# exports what Rasa reads; needs WEB_PORT.
RASA_INTERFACE=${RASA_INTERFACE:-127.0.0.1}
new_secret() {  # file: a random secret readable by this user only, made once
  [[ -s $1 ]] || (umask 077; mkdir -p var; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1")
}
if [[ $RASA_INTERFACE != 127.0.0.1 && $RASA_INTERFACE != localhost ]]; then
  if [[ -z ${BACKSTOP_API_TOKEN:-} ]]; then
    new_secret var/api-token
    export BACKSTOP_API_TOKEN_FILE=$PWD/var/api-token
    echo "Rasa API token (Authorization: Bearer ... for /conversations, /model ...): see var/api-token"
  fi
  if [[ -z ${BACKSTOP_REST_SECRET:-} ]]; then
    new_secret var/rest-secret
    BACKSTOP_REST_SECRET=$(cat var/rest-secret)
    echo "REST webhook secret (X-Backstop-Secret header): see var/rest-secret"
  fi
fi
export BACKSTOP_API_TOKEN BACKSTOP_REST_SECRET
read -r -a CORS <<<"${BACKSTOP_CORS:-http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT}"
export BACKSTOP_CORS="${CORS[*]}"
