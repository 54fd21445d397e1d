#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker and controller in one process) on
# 127.0.0.1, run from Kafka's jars on Maven Central: no Docker, no Kafka distribution.
# Usage: kafka.sh fetch | start | stop | restart | status | topics | create-topic NAME [PARTITIONS]
# See README.md next to this file for the environment variables.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
port=${KAFKA_PORT:-9092}
ctrl_port=${KAFKA_CONTROLLER_PORT:-9093}
cache=${FAIRFLAX_CACHE:-$HOME/.cache/fairflax}/kafka-$version
lib=$cache/lib
tmp=${TMPDIR:-/tmp}
data=${tmp%/}/fairflax-kafka-$port
bootstrap=127.0.0.1:$port
ready_timeout=${KAFKA_READY_TIMEOUT:-60}
stop_timeout=${KAFKA_STOP_TIMEOUT:-30}

say() { printf 'kafka: %s\n' "$*"; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
# Seconds since a now_ms value, with one decimal: "3.4s".
since() { local ms=$(($(now_ms) - $1)); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

[[ $port =~ ^[0-9]+$ && $ctrl_port =~ ^[0-9]+$ && $port != "$ctrl_port" ]] ||
  die "KAFKA_PORT ($port) and KAFKA_CONTROLLER_PORT ($ctrl_port) must be two different port numbers"

command -v java >/dev/null || die "Java 11 or newer is needed to run Kafka (java is not on PATH)"

# Short-lived admin JVMs: small heap, no optimising JIT, so each call costs about a second.
admin_java=(java -cp "$lib/*" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  "-Dlog4j.configuration=file:$here/tools-log4j.properties")

pom_hash() { sha256sum "$here/pom.xml" | cut -d' ' -f1; }
lib_complete() { [[ -f $lib/.complete && $(<"$lib/.complete") == "$(pom_hash)" ]]; }

fetch() {
  lib_complete && return 0
  command -v "${MVN:-mvn}" >/dev/null || die "Maven (mvn) is needed to fetch Kafka's jars"
  mkdir -p "$cache"
  exec 8>"$cache/fetch.lock"
  flock 8 # another process may be fetching the same jars right now
  if ! lib_complete; then
    local started partial=$cache/lib.partial mvn_log=$cache/fetch.log
    started=$(now_ms)
    say "fetching Kafka $version jars from Maven Central into $lib (once, about 50 MB) ..."
    rm -rf "$partial"
    if ! "${MVN:-mvn}" -q -B -f "$here/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$partial" >"$mvn_log" 2>&1; then
      tail -n 30 "$mvn_log" >&2
      die "Maven could not fetch the jars (full log: $mvn_log)"
    fi
    pom_hash >"$partial/.complete"
    rm -rf "$lib"
    mv "$partial" "$lib"
    say "fetched $(find "$lib" -name '*.jar' | wc -l) jars in $(since "$started")"
  fi
  exec 8>&-
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The readiness check is a real admin round trip (Metadata + ApiVersions) with Kafka's own
# BrokerApiVersionsCommand, which fails in about a second when nothing answers.
answers() {
  port_open "$port" &&
    timeout 30 "${admin_java[@]}" kafka.admin.BrokerApiVersionsCommand \
      --bootstrap-server "$bootstrap" >/dev/null 2>&1
}

alive() { [[ -r /proc/$1/stat ]] && [[ $(sed 's/.*) //' "/proc/$1/stat") != Z* ]]; }

# The pid of the broker this script started for this port, if it is still running (and is
# still that broker: pids get reused).
our_pid() {
  local pid
  pid=$(cat "$data/kafka.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $data/server.properties" &&
    echo "$pid"
}

# Who listens on the port, for the messages about a broker this script did not start.
listener() {
  local pid cmd
  command -v ss >/dev/null || { echo "unknown (ss is not installed)"; return; }
  pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
  if [[ -z $pid || ! -r /proc/$pid/cmdline ]]; then
    echo "a process of another user (sudo ss -ltnp 'sport = :$port' names it)"
    return
  fi
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  if [[ $cmd =~ kafka\.Kafka\ ([^ ]*)/server\.properties ]]; then
    echo "pid $pid (user $(stat -c %U "/proc/$pid")), a kafka.sh broker whose data is in ${BASH_REMATCH[1]}"
  else
    echo "pid $pid (user $(stat -c %U "/proc/$pid")): ${cmd:0:160}"
  fi
}

log_tail() {
  printf -- '--- last lines of %s ---\n' "$data/kafka.log" >&2
  tail -n 40 "$data/kafka.log" >&2 || true
  printf -- '---\n' >&2
}

write_config() {
  cat >"$data/server.properties" <<EOF
# Written by infra/kafka/kafka.sh: single-node KRaft, broker and controller in one process.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/logs
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# The controller fences a broker whose heartbeats stop for broker.session.timeout.ms, and this
# one node is both: starved of CPU for longer (a loaded test machine), it fences itself, and
# every partition and coordinator goes away until it unfences. 9 s by default; 30 s here. The
# price: after a SIGKILL the restarted broker cannot register until the old session expires.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=30000
# The adapters create their topics with the partition counts they need.
auto.create.topics.enable=false
EOF
}

# Polls an admin call until it succeeds, giving up after KAFKA_READY_TIMEOUT seconds.
wait_ready() {
  local pid=$1 started=$2 next_note=5000
  say "waiting for the broker (pid $pid) to answer an admin call on $bootstrap ..."
  while :; do
    if ! alive "$pid"; then
      log_tail
      die "the broker exited during start-up (log: $data/kafka.log)"
    fi
    if answers; then
      say "Kafka $version ready on $bootstrap after $(since "$started") (pid $pid, data $data)"
      return 0
    fi
    if (($(now_ms) - started >= ready_timeout * 1000)); then
      log_tail
      terminate "$pid"
      die "no answer within ${ready_timeout}s (KAFKA_READY_TIMEOUT): the broker was stopped, its data and log are kept in $data"
    fi
    if (($(now_ms) - started >= next_note)); then
      say "still waiting ... $(since "$started")"
      next_note=$((next_note + 5000))
    fi
    sleep 0.5
  done
}

# SIGTERM lets the broker shut down cleanly (flush, close logs); SIGKILL after the timeout.
terminate() {
  local pid=$1 started next_note=5000
  started=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid"; do
    if (($(now_ms) - started >= stop_timeout * 1000)); then
      say "still running after ${stop_timeout}s (KAFKA_STOP_TIMEOUT): sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
      break
    fi
    if (($(now_ms) - started >= next_note)); then
      say "waiting for the broker to exit ... $(since "$started")"
      next_note=$((next_note + 5000))
    fi
    sleep 0.1
  done
}

start() {
  local pid started cluster_id
  # broker.ts tells "reusing the broker" / "reusing a broker" from a start.
  if pid=$(our_pid); then
    if answers; then
      say "reusing the broker kafka.sh started earlier on $bootstrap (pid $pid, data $data)"
      return 0
    fi
    wait_ready "$pid" "$(now_ms)" # still starting (a start that was interrupted)
    return
  fi
  if port_open "$port"; then
    answers || die "port $port is taken by something that does not answer as a Kafka broker ($(listener)); set KAFKA_PORT"
    say "reusing a broker on $bootstrap that kafka.sh did not start from $data: $(listener)." \
      "kafka.sh stop and restart leave it alone; another KAFKA_PORT gets a broker of its own"
    return 0
  fi
  ! port_open "$ctrl_port" || die "controller port $ctrl_port is taken; set KAFKA_CONTROLLER_PORT"

  fetch
  mkdir -p "$data"
  write_config
  if [[ -f $data/logs/meta.properties ]]; then
    say "keeping the KRaft storage found in $data/logs"
  else
    say "formatting KRaft storage in $data/logs ..."
    cluster_id=$("${admin_java[@]}" kafka.tools.StorageTool random-uuid)
    "${admin_java[@]}" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$data/server.properties" >"$data/format.log" 2>&1 ||
      { cat "$data/format.log" >&2; die "formatting the KRaft storage failed"; }
  fi

  say "starting Kafka $version on $bootstrap (controller 127.0.0.1:$ctrl_port), log in $data/kafka.log"
  started=$(now_ms)
  rm -f "$data/kafka.pid"
  # setsid: the broker outlives this script and the terminal's Ctrl-C. It must not inherit the
  # lock (fd 9) nor the caller's pipes, or callers waiting for our output would hang.
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$1" && shift && exec "$@"' _ "$data/kafka.pid" \
    java -cp "$lib/*" -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$here/log4j.properties" ${KAFKA_JAVA_OPTS:-} \
    kafka.Kafka "$data/server.properties" </dev/null >>"$data/kafka.log" 2>&1 9>&- &
  until [[ -s $data/kafka.pid ]]; do
    kill -0 $! 2>/dev/null || { log_tail; die "could not launch java"; }
    sleep 0.05
  done
  wait_ready "$(<"$data/kafka.pid")" "$started"
}

stop() {
  local pid started
  started=$(now_ms)
  if pid=$(our_pid); then
    say "stopping the broker (pid $pid) ..."
    terminate "$pid"
    say "stopped after $(since "$started")"
  elif port_open "$port"; then
    say "the broker on $bootstrap was not started by this kafka.sh, leaving it alone: $(listener)"
  else
    say "no broker running on $bootstrap"
  fi
  rm -f "$data/kafka.pid"
  if [[ ${KAFKA_KEEP_DATA:-0} == 1 ]]; then
    [[ ! -d $data ]] || say "data kept in $data"
  else
    rm -rf "$data"
  fi
}

restart() {
  our_pid >/dev/null || ! port_open "$port" ||
    die "the broker on $bootstrap was not started by this kafka.sh, so it cannot restart it: $(listener)"
  KAFKA_KEEP_DATA=1 stop
  start
}

# Exit status 0 when a broker answers, 3 when none does (as init scripts' status).
status() {
  local pid
  if answers; then
    say "a Kafka broker answers on $bootstrap"
    if pid=$(our_pid); then
      # (kafka.tools.ClusterTool would print the cluster id, but in 3.9 it only forwards to
      # kafka-tools, which is not on this classpath.)
      say "started by kafka.sh: pid $pid, $(grep -m1 '^cluster.id=' "$data/logs/meta.properties" || true)"
      say "data in $data, log in $data/kafka.log"
    else
      say "not started by this kafka.sh (stop will leave it alone): $(listener)"
    fi
    return 0
  fi
  if pid=$(our_pid); then
    say "no answer on $bootstrap, but the broker process $pid is running (starting, or stuck: see $data/kafka.log)"
  else
    say "no broker running on $bootstrap"
  fi
  return 3
}

topics() {
  lib_complete || die "no Kafka jars yet: run kafka.sh fetch (or start)"
  "${admin_java[@]}" "$here/KafkaTopics.java" "$bootstrap" "$@"
}

lock() {
  exec 9>"${tmp%/}/fairflax-kafka-$port.lock"
  flock 9 # one start/stop/restart at a time per port (parallel test runs share the broker)
}

case ${1:-} in
  fetch) fetch && say "jars in $lib" ;;
  start) lock && start ;;
  stop) lock && stop ;;
  restart) lock && restart ;;
  status) lib_complete || die "no Kafka jars yet: run kafka.sh fetch (or start)"; status ;;
  topics) topics list ;;
  create-topic) [[ -n ${2:-} ]] || die "usage: kafka.sh create-topic NAME [PARTITIONS]"; topics create "${@:2}" ;;
  *)
    echo "usage: kafka.sh fetch | start | stop | restart | status | topics | create-topic NAME [PARTITIONS]" >&2
    exit 2
    ;;
esac
