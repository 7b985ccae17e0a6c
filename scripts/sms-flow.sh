#!/usr/bin/env bash
# The SMS fallback from a terminal, call by call, as an app makes it:
#
#   scripts/sms-flow.sh +34600000020                         a device on WiFi: the code is sent at once
#   INTERFACE=127.0.0.3 scripts/sms-flow.sh +34600000041     a phone whose SIM (127.0.0.3 = +34600000003) holds
#                                                            another number: the silent leg fails, then the app
#                                                            asks for the code (GET /callback never sends one)
#
# The code is read from the sandbox inbox, as a person would read the SMS; without the sandbox (a real SMS
# provider) the script asks for it. Needs bash, curl and node. BROKER is where the broker listens.
set -euo pipefail

PHONE=${1:?usage: scripts/sms-flow.sh +E164 (a number in international format)}
BROKER=${BROKER:-http://localhost:3000}
INTERFACE=${INTERFACE:-}
JAR=$(mktemp)
trap 'rm -f "$JAR"' EXIT
ENCODED=${PHONE/+/%2B}

# field PATH: reads JSON on stdin, prints PATH (dots; "last" is an array's last item), empty if absent
field() { node -e 'let v = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const k of process.argv[1].split(".")) v = k === "last" ? v?.at(-1) : v?.[k]; console.log(v ?? "")' "$1"; }
# call METHOD PATH [JSON]: one request with this device's cookies; prints the call and the answer, keeps the body in $BODY
call() {
  local answer
  echo "> $1 $2${3:+ $3}"
  answer=$(curl -s -c "$JAR" -b "$JAR" -X "$1" -H 'accept: application/json' ${3:+-H 'content-type: application/json' -d "$3"} -w '\n%{http_code}' "$BROKER$2")
  BODY=${answer%$'\n'*}
  STATUS=${answer##*$'\n'}
  echo "< $STATUS $BODY"
}

if [ -n "$INTERFACE" ]; then
  # silent first: the phone follows the redirects through the operator and back to /callback
  echo "> GET /login?phoneNumber=$ENCODED&redirect=true (following redirects from $INTERFACE)"
  BODY=$(curl -sL --interface "$INTERFACE" -c "$JAR" -b "$JAR" -H 'accept: application/json' "$BROKER/login?phoneNumber=$ENCODED&redirect=true")
  echo "< $BODY"
  ID=$(field id <<<"$BODY")
  if [ "$(field status <<<"$BODY")" = verified ]; then
    call GET "/v1/verifications/$ID"
    echo "verified silently; session token: $(field sessionToken <<<"$BODY")"
    exit 0
  fi
  call POST "/v1/verifications/$ID/fallback" '{}'
else
  call POST /v1/verifications "{\"phoneNumber\":\"$PHONE\",\"network\":\"wifi\"}"
  ID=$(field verificationId <<<"$BODY")
fi
[ "$STATUS" -lt 300 ] || { echo "the broker refused to send a code" >&2; exit 1; }

# the SMS: from the sandbox inbox; its last line is the WebOTP line "@host #code"
INBOX=$(curl -s -w '\n%{http_code}' "$BROKER/sandbox/inbox?phoneNumber=$ENCODED")
if [ "${INBOX##*$'\n'}" = 200 ]; then
  CODE=$(field messages.last.body <<<"${INBOX%$'\n'*}" | sed -n 's/.*#\([0-9]*\)[[:space:]]*$/\1/p')
  echo "code from the sandbox inbox: $CODE"
else
  read -rp "code received by SMS: " CODE
fi

call POST "/v1/verifications/$ID/code" "{\"code\":\"$CODE\"}"
[ "$(field status <<<"$BODY")" = verified ] || exit 1
echo "verified by SMS; session token: $(field sessionToken <<<"$BODY")"
