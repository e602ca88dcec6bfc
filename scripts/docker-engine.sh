#!/usr/bin/env bash
# Starts/stops a private Docker engine for the Testcontainers test backend and builds the local NATS image.
#
#   bash scripts/docker-engine.sh start   # stdout: lines to eval (DOCKER_HOST, WEFT_DOCKERD_STARTED)
#   bash scripts/docker-engine.sh stop
#
# Progress and errors go to stderr so that `eval "$(bash scripts/docker-engine.sh start)"` works.
# The engine runs without iptables or a bridge network because neither is available in our sandboxes;
# containers therefore use host networking (see docs/development.md, "Tests").
set -euo pipefail

readonly SOCKET=/run/weft-docker.sock
readonly PIDFILE=/run/weft-docker.pid
readonly DATA_ROOT=/var/lib/weft-docker
readonly EXEC_ROOT=/run/weft-docker
readonly LOG=/tmp/weft-dockerd.log
readonly IMAGE=local/nats-server:2.9.10
readonly FIXTURE_LABEL=weft.test=nats
readonly READY_TIMEOUT_S=30

say() { printf 'docker-engine: %s\n' "$*" >&2; }

banner() {
  {
    printf '\n'
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
    printf '!!! docker-engine: %s\n' "$*"
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
  } >&2
}

died=0
die() {
  banner "$*"
  died=1
  exit 1
}

# True when a Docker engine answers on the given host URL (unix://… or tcp://…).
answers() { DOCKER_HOST="$1" timeout 10 docker info >/dev/null 2>&1; }

# The pid recorded by a dockerd we started, if that process is still alive.
our_pid() {
  [[ -s $PIDFILE ]] || return 1
  local pid
  pid=$(<"$PIDFILE")
  kill -0 "$pid" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

launch_dockerd() {
  command -v dockerd >/dev/null || die "dockerd is not installed (apt-get install -y docker.io)"
  command -v docker >/dev/null || die "the docker client is not installed (apt-get install -y docker.io)"
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  say "starting dockerd on $SOCKET (log: $LOG)"
  # setsid: the engine must outlive this script and not receive the caller's terminal signals.
  setsid dockerd --iptables=false --ip-masq=false --ip-forward=false --bridge=none \
    --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
    -H "unix://$SOCKET" --pidfile "$PIDFILE" >"$LOG" 2>&1 </dev/null &
  local pid=$! waited=0
  until answers "unix://$SOCKET"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOG" >&2 || true
      die "dockerd exited during start-up; see $LOG"
    fi
    if ((waited >= READY_TIMEOUT_S * 2)); then
      tail -n 20 "$LOG" >&2 || true
      kill "$pid" 2>/dev/null || true
      die "dockerd did not answer within ${READY_TIMEOUT_S}s; see $LOG"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  say "dockerd is up (pid $pid)"
}

# Builds the NATS image from the local binary: no registry is reachable, so the rootfs is
# just the static-ish nats-server plus the shared libraries ldd reports, at their original paths.
# A subshell so that the EXIT trap cleans the staging directory whatever happens.
build_image() (
  local bin stage
  bin=$(command -v nats-server || true)
  [[ -n $bin ]] || bin=/usr/sbin/nats-server
  [[ -x $bin ]] || die "nats-server is not installed (apt-get install -y nats-server); cannot build $IMAGE"
  case "$("$bin" --version 2>&1)" in
    *v2.9.10*) ;;
    *) say "warning: $bin is $("$bin" --version 2>&1), the image is still tagged $IMAGE" ;;
  esac
  stage=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $stage is local
  trap "rm -rf '$stage'" EXIT
  cp -L "$bin" "$stage/nats-server"
  local lib
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib" # -L: /lib64/ld-linux… is a symlink on Debian
  done
  say "building $IMAGE from $bin"
  tar -C "$stage" -c . | docker import -c 'ENTRYPOINT ["/nats-server"]' - "$IMAGE" >/dev/null
)

ensure_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "$IMAGE is present"
  else
    build_image
  fi
}

# Set once start has launched dockerd, so a failure later on stops it again.
started=0

cmd_start() {
  trap 'on_start_exit $?' EXIT
  local host given=${DOCKER_HOST:-unix:///var/run/docker.sock}
  if answers "$given"; then
    host=$given
    say "an engine already answers on $host"
  elif answers "unix://$SOCKET"; then
    host=unix://$SOCKET
    say "our engine is already running on $host"
  else
    launch_dockerd
    host=unix://$SOCKET
    started=1
  fi
  export DOCKER_HOST=$host
  ensure_image
  trap - EXIT
  say "use it with: export DOCKER_HOST=$host"
  printf 'export DOCKER_HOST=%s\n' "$host"
  printf 'WEFT_DOCKERD_STARTED=%s\n' "$started"
}

# Any failure of start is loud, and an engine without the image is of no use to the tests.
# (A trap rather than `if ! step`, which would switch `set -e` off inside the step.)
on_start_exit() {
  (($1 == 0)) && return
  if ((started)); then
    say "start failed; stopping the engine it started"
    cmd_stop || true
  fi
  ((died)) || banner "start failed (exit status $1): the Docker engine is NOT usable; see above and $LOG"
}

remove_fixture_containers() {
  local ids
  ids=$(docker ps -aq --filter "label=$FIXTURE_LABEL" 2>/dev/null || true)
  if [[ -n $ids ]]; then
    say "removing leftover test containers: $(echo "$ids" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one id per word
    docker rm -f $ids >/dev/null || true
  fi
}

cmd_stop() {
  local pid
  if ! pid=$(our_pid); then
    say "no dockerd started by this script is running"
    return 0
  fi
  DOCKER_HOST=unix://$SOCKET remove_fixture_containers
  say "stopping dockerd (pid $pid)"
  kill "$pid"
  local waited=0
  # dockerd stops its containerd child on SIGTERM; give it time, then insist.
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 40)); then
      say "dockerd did not stop within 20s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  rm -f "$PIDFILE"
  say "stopped"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
