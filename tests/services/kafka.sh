#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft mode) on 127.0.0.1 for the Kafka plugin's tests.
#
#   tests/services/kafka.sh start    fetch the broker jars (cached), format storage, start, wait
#   tests/services/kafka.sh stop     stop the broker and delete its storage and state
#   tests/services/kafka.sh halt     stop the broker process, keep storage, port and state
#   tests/services/kafka.sh resume   start a halted broker again on the same storage and port
#   tests/services/kafka.sh status   exit 0 when the broker answers
#
# The broker jars (org.apache.kafka:kafka_2.13 and its runtime dependencies) come from Maven
# Central through `mvn dependency:copy-dependencies` and are cached in
# ${PLUGCTL_CACHE_DIR:-~/.cache/plugctl}/kafka/<version>/libs.
#
# State lives in KAFKA_STATE_DIR (default: <repo>/.services/kafka): storage, logs, the pid, and
# kafka.env, which the tests read:
#   KAFKA_ADDRESS=127.0.0.1:<port>   the bootstrap address (plaintext)
#   KAFKA_SASL_ADDRESS=127.0.0.1:<port>, KAFKA_SASL_USER, KAFKA_SASL_PASSWORD
#                                    a SASL_PLAINTEXT listener (PLAIN)
#   KAFKA_TLS_ADDRESS=127.0.0.1:<port>, KAFKA_TLS_CA
#                                    an SSL listener whose certificate the CA file signs
#   KAFKA_STATE_DIR=<dir>            where this broker lives (for halt/resume)
# A test that needs a broker of its own (one it stops and restarts) runs this script with its own
# KAFKA_STATE_DIR. KAFKA_EXTRA_PROPERTIES (lines of key=value) is appended to server.properties.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
LOG4J_VERSION="2.24.3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE="${KAFKA_STATE_DIR:-$REPO/.services/kafka}"
CACHE="${PLUGCTL_CACHE_DIR:-$HOME/.cache/plugctl}/kafka/$KAFKA_VERSION"
LIBS="$CACHE/libs"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
# The one user of the SASL listener (PLAIN).
SASL_USER=plugctl
SASL_PASSWORD=plugctl-secret

log() { echo "kafka.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}

fetch_jars() {
  if [ -f "$LIBS/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (scripts/install-deps.sh installs maven)"
  command -v java >/dev/null || die "java not found (scripts/install-deps.sh installs a JRE)"
  log "fetching Apache Kafka $KAFKA_VERSION broker jars from Maven Central into $LIBS"
  local work
  work="$(mktemp -d)"
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>plugctl.test</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  if ! (cd "$work" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS" >"$work/mvn.log" 2>&1); then
    cat "$work/mvn.log" >&2
    rm -rf "$work"
    die "could not fetch the Kafka jars"
  fi
  rm -rf "$work"
  [ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
  touch "$LIBS/.complete"
}

port_free() {
  [ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if port_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# The JVM's options: a small heap and a quick start, the broker serves one test run on a
# 2-core machine.
java_args() {
  JAVA_ARGS=(-Xms256m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$STATE/log4j2.properties" "-Dkafka.logs.dir=$STATE/logs"
    -cp "$LIBS/*")
}
run_java() {
  java_args
  java "${JAVA_ARGS[@]}" "$@"
}

# A throw-away CA and a server certificate for 127.0.0.1, for the SSL listener (PEM keystore).
make_certs() {
  local dir="$STATE/tls"
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=plugctl test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1 || die "openssl: cannot make the test CA"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" \
    -out "$dir/server.csr" >/dev/null 2>&1 || die "openssl: cannot make the server key"
  printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" >/dev/null 2>&1 ||
    die "openssl: cannot sign the server certificate"
  # Kafka's PEM keystore: the PKCS#8 key, then the certificate chain.
  cat "$dir/server.key" "$dir/server.crt" >"$dir/server.pem"
}

write_config() {
  local port="$1" cport="$2" sport="$3" tport="$4"
  mkdir -p "$STATE/data" "$STATE/logs"
  cat >"$STATE/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sport,SSL://127.0.0.1:$tport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sport,SSL://127.0.0.1:$tport
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT
listener.name.ssl.ssl.keystore.type=PEM
listener.name.ssl.ssl.keystore.location=$STATE/tls/server.pem
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
inter.broker.listener.name=PLAINTEXT
log.dirs=$STATE/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
group.consumer.heartbeat.interval.ms=1000
group.consumer.min.heartbeat.interval.ms=500
group.consumer.session.timeout.ms=10000
group.consumer.min.session.timeout.ms=6000
num.network.threads=2
num.io.threads=4
log.flush.interval.messages=9223372036854775807
EOF
  # Extra broker properties, one per line (the benchmark turns on topic auto-creation).
  if [ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]; then
    printf '%s\n' "$KAFKA_EXTRA_PROPERTIES" >>"$STATE/server.properties"
  fi
  cat >"$STATE/log4j2.properties" <<EOF
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = $STATE/logs/broker.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
logger.server.name = kafka.server.KafkaServer
logger.server.level = info
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = info
EOF
}

write_env() {
  local port="$1" cport="$2" sport="$3" tport="$4"
  cat >"$STATE/kafka.env.tmp" <<EOF
KAFKA_ADDRESS=127.0.0.1:$port
KAFKA_SASL_ADDRESS=127.0.0.1:$sport
KAFKA_TLS_ADDRESS=127.0.0.1:$tport
KAFKA_TLS_CA=$STATE/tls/ca.pem
KAFKA_SASL_USER=$SASL_USER
KAFKA_SASL_PASSWORD=$SASL_PASSWORD
KAFKA_CONTROLLER_PORT=$cport
KAFKA_STATE_DIR=$STATE
KAFKA_VERSION=$KAFKA_VERSION
EOF
  mv "$STATE/kafka.env.tmp" "$STATE/kafka.env"
}

read_env() {
  [ -f "$STATE/kafka.env" ] || die "no broker state in $STATE (run: $0 start)"
  # shellcheck disable=SC1091
  . "$STATE/kafka.env"
  PORT="${KAFKA_ADDRESS##*:}"
  SPORT="${KAFKA_SASL_ADDRESS##*:}"
  TPORT="${KAFKA_TLS_ADDRESS##*:}"
  CPORT="$KAFKA_CONTROLLER_PORT"
}

running() {
  [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null
}

# The broker answers once its listener accepts connections and it logged that it started.
wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if ! running; then
      tail -n 40 "$STATE/logs/stdout.log" "$STATE/logs/broker.log" >&2 2>/dev/null || true
      die "the broker exited while starting (logs in $STATE/logs)"
    fi
    if ! port_free "$PORT" && grep -q -E "Kafka Server started|\[BrokerServer id=1\] Transition from STARTING to STARTED" \
      "$STATE/logs/broker.log" "$STATE/logs/stdout.log" 2>/dev/null; then
      return 0
    fi
    sleep 0.3
  done
  tail -n 40 "$STATE/logs/broker.log" >&2 2>/dev/null || true
  die "the broker did not start within ${START_TIMEOUT}s (logs in $STATE/logs)"
}

launch() {
  # The broker must not outlive its test run: it runs in its own process group (setsid), so
  # that stop can end exactly it, by its pid.
  : >"$STATE/logs/broker.log"
  java_args
  setsid java "${JAVA_ARGS[@]}" kafka.Kafka "$STATE/server.properties" \
    >"$STATE/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$STATE/pid"
  wait_ready
}

cmd_start() {
  if [ -f "$STATE/kafka.env" ] && running; then
    read_env
    log "already running at $KAFKA_ADDRESS"
    return 0
  fi
  fetch_jars
  rm -rf "$STATE"
  mkdir -p "$STATE"
  PORT="$(free_port)"
  CPORT="$(free_port)"
  while [ "$CPORT" = "$PORT" ]; do CPORT="$(free_port)"; done
  SPORT="$(free_port)"
  while [ "$SPORT" = "$PORT" ] || [ "$SPORT" = "$CPORT" ]; do SPORT="$(free_port)"; done
  TPORT="$(free_port)"
  while [ "$TPORT" = "$PORT" ] || [ "$TPORT" = "$CPORT" ] || [ "$TPORT" = "$SPORT" ]; do
    TPORT="$(free_port)"
  done
  make_certs
  write_config "$PORT" "$CPORT" "$SPORT" "$TPORT"
  local cluster_id
  cluster_id="$(run_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  [ -n "$cluster_id" ] || die "could not generate a cluster id"
  if ! run_java kafka.tools.StorageTool format -t "$cluster_id" -c "$STATE/server.properties" \
    --ignore-formatted >"$STATE/logs/format.log" 2>&1; then
    cat "$STATE/logs/format.log" >&2
    die "could not format the storage in $STATE/data"
  fi
  write_env "$PORT" "$CPORT" "$SPORT" "$TPORT"
  launch
  log "Apache Kafka $KAFKA_VERSION serving at 127.0.0.1:$PORT (state in $STATE)"
}

stop_process() {
  if ! [ -f "$STATE/pid" ]; then return 0; fi
  local pid
  pid="$(cat "$STATE/pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$STATE/pid"
}

cmd_stop() {
  stop_process
  rm -rf "$STATE"
}

cmd_halt() {
  read_env
  stop_process
}

cmd_resume() {
  read_env
  if running; then return 0; fi
  for _ in $(seq 1 100); do
    port_free "$PORT" && port_free "$CPORT" && port_free "$SPORT" && port_free "$TPORT" && break
    sleep 0.1
  done
  launch
}

cmd_status() {
  read_env
  running && ! port_free "$PORT"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  halt) cmd_halt ;;
  resume) cmd_resume ;;
  status) cmd_status ;;
  fetch) fetch_jars ;;
  *)
    echo "usage: $0 start|stop|halt|resume|status|fetch" >&2
    exit 2
    ;;
esac
