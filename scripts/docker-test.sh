#!/usr/bin/env bash
# Builds the image and runs it as an operator would: `check`, `ask`, the bot answering messages
# through the fake Bot API (tests/fake_telegram.py, on this host; the container uses --network
# host), the health check turning healthy, a staff edit in the data volume surviving a new
# container, an upgrade of the shipped knowledge reported instead of copied, a webhook without a
# secret refused. Idempotent: installs docker.io and debootstrap if missing (Debian, as root),
# starts dockerd if none runs, builds the local python:3.11-slim stand-in if that image is
# missing (no container registry is reachable here), then builds the image.
#
#   bash scripts/docker-test.sh            # prepare, build, exercise (KIK_IMAGE=kik-bot:test)
#   bash scripts/docker-test.sh prepare    # only install, start dockerd and build (CI runs this
#                                          # niced beside pytest, then the whole script)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-all}
IMAGE=${KIK_IMAGE:-kik-bot:test}
NAME=kik-test-bot-$$
VOLUME=kik-test-data-$$
PY=.venv/bin/python
checks=0

say() { printf '\n== %s\n' "$*"; }
ok() { checks=$((checks + 1)); echo "ok: $*"; }
die() { echo "docker-test FAILED: $*" >&2; exit 1; }

# -- what the build needs -------------------------------------------------------------------
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: /tmp/kik-dockerd.log)"
  (dockerd >/tmp/kik-dockerd.log 2>&1 &)
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || die "dockerd did not start (see /tmp/kik-dockerd.log)"
fi
if ! docker image inspect python:3.11-slim >/dev/null 2>&1; then
  standin=""
  for candidate in "${KIK_STANDIN:-}" ../shared/tools/docker-standin-base.sh /work/shared/tools/docker-standin-base.sh; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then standin=$candidate; break; fi
  done
  [ -n "$standin" ] || die "no python:3.11-slim image and no docker-standin-base.sh (set KIK_STANDIN)"
  say "building the python:3.11-slim stand-in"
  bash "$standin"
fi
if [ ! -x "$PY" ]; then
  say "creating .venv (the fake Bot API runs on the host)"
  python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]"
fi

say "building $IMAGE"
started=$(date +%s)
docker build --network host -q -t "$IMAGE" . >/dev/null
echo "built in $(($(date +%s) - started)) s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')"
[ "$MODE" = prepare ] && exit 0

# -- the fake Bot API on this host ------------------------------------------------------------
work=$(mktemp -d)
fake_pid=""
cleanup() {
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  docker volume rm "$VOLUME" >/dev/null 2>&1 || true
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" -c "from tests.fake_telegram import serve; serve($port)" &
fake_pid=$!
token=$("$PY" -c 'from tests.fake_telegram import TOKEN; print(TOKEN)')

# fake push CHAT TEXT | fake wait CHAT SUBSTRING [SECONDS]: talk to the fake's /_control API.
fake() {
  "$PY" - "$port" "$@" <<'EOF'
import json, sys, time, urllib.request
port, action, chat, text = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
control = f"http://127.0.0.1:{port}/_control"
deadline = time.monotonic() + (float(sys.argv[5]) if len(sys.argv) > 5 else 60)
while True:
    try:
        if action == "push":
            from tests.fake_telegram import message
            body = json.dumps([message(chat, text, chat_type="private" if chat > 0 else "group")])
            request = urllib.request.Request(f"{control}/push", body.encode(), method="POST")
            urllib.request.urlopen(request, timeout=5).read()
            sys.exit(0)
        calls = json.load(urllib.request.urlopen(f"{control}/calls", timeout=5))["calls"]
        sent = [c["text"] for c in calls if c["method"] == "sendMessage" and c["chat_id"] == chat]
        if any(text in s for s in sent):
            sys.exit(0)
    except OSError:
        pass  # the fake is still starting
    if time.monotonic() > deadline:
        sys.exit(f"no message to chat {chat} containing {text!r}; sent: {sent if action == 'wait' else '-'}")
    time.sleep(0.1)
EOF
}

# -- the image, as an operator uses it --------------------------------------------------------
say "kik-bot check"
out=$(docker run --rm "$IMAGE" check) || die "check failed: $out"
grep -q "0 error(s)" <<<"$out" && ok "check: ${out##*$'\n'}" || die "check"

say "kik-bot ask"
out=$(docker run --rm "$IMAGE" ask --json "Wann habt ihr offen?")
"$PY" -c 'import json, sys; a = json.loads(sys.argv[1]); assert a["entry"] == "hours" and "Montag" in a["text"], a' "$out" \
  && ok "ask answers with the office hours" || die "ask answers with the office hours"

say "a webhook without a secret does not start"
status=0
out=$(docker run --rm -e TELEGRAM_BOT_TOKEN="$token" "$IMAGE" run --webhook --url https://bot.example.org 2>&1) || status=$?
[ "$status" = 2 ] && grep -q "needs a secret" <<<"$out" && ok "refused in one line, exit status 2: $out" || die "refused in one line, exit status 2"

say "the bot answers through the fake Bot API, and turns healthy"
docker run -d --name "$NAME" --network host -v "$VOLUME:/data" \
  -e TELEGRAM_BOT_TOKEN="$token" -e TELEGRAM_BASE_URL="http://127.0.0.1:$port/bot" \
  -e KIK_ADMIN_IDS=9001 --health-interval 1s --health-start-period 60s "$IMAGE" >/dev/null
fake push 501 "Wann habt ihr offen?"
fake wait 501 "Montag" 90 || die "no answer; container log: $(docker logs "$NAME" 2>&1 | tail -20)"
ok "answered a question"
fake push -100501 "/id"
fake wait -100501 "ID dieses Chats: -100501" && ok "/id in a group" || die "/id in a group"
for _ in $(seq 60); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
  [ "$health" = healthy ] && break
  sleep 1
done
[ "$health" = healthy ] || die "health: $health ($(docker inspect -f '{{json .State.Health}}' "$NAME"))"
ok "health check: healthy"

say "a staff edit in the volume survives a new container"
docker exec "$NAME" sed -i 's/Bitte vereinbaren Sie vor einem Besuch einen Termin\./Termine bitte vorher vereinbaren (docker-test)./' /data/knowledge/office.yaml
docker stop -t 30 "$NAME" >/dev/null
logs=$(docker logs "$NAME" 2>&1)
grep -qE "starting: long polling; [0-9]+ entries in 14 languages" <<<"$logs" && grep -q "kik-bot stopped" <<<"$logs" \
  && ! grep -qF "${token#*:}" <<<"$logs" && ok "log lines at start and stop, no token" || die "log lines at start and stop, no token"
docker rm "$NAME" >/dev/null
out=$(docker run --rm -v "$VOLUME:/data" "$IMAGE" ask "Wie erreiche ich das Amt für Integration?")
grep -q "(docker-test)" <<<"$out" && ok "the edited answer is served by a new container" || die "the edited answer is served by a new container"

say "an upgrade of the shipped knowledge is reported, not copied over the staff's edit"
cp -r knowledge "$work/release" && chmod -R a+rX "$work"
sed -i 's/Priska Hecht: {tel:hecht}/Frau Hecht: {tel:hecht}/' "$work/release/office.yaml"
sed -i '0,/updated: /s/updated: .*/updated: 2027-01-01/' "$work/release/kik.yaml"
out=$(docker run --rm -v "$VOLUME:/data" -v "$work/release:/app/knowledge:ro" "$IMAGE" knowledge)
grep -q "office.yaml: changed in this release and edited here" <<<"$out" \
  && grep -q "kik.yaml: changed in this release; not edited here" <<<"$out" && ok "kik-bot knowledge: $(tr '\n' ' ' <<<"$out")"  || die "kik-bot knowledge: $out"
out=$(docker run --rm -v "$VOLUME:/data" -v "$work/release:/app/knowledge:ro" "$IMAGE" ask "Wie erreiche ich das Amt für Integration?")
grep -q "(docker-test)" <<<"$out" && ok "the staff edit is still served" || die "the staff edit is still served"

[ "$checks" -ge 10 ] || die "only $checks of 10 checks ran"
echo "docker-test: all $checks checks passed"
