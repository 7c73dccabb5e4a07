#!/usr/bin/env bash
# A local Spark Connect server from PyPI's `pyspark` (its wheel carries the
# server jar and the start/stop scripts), bound to 127.0.0.1 and guarded by a
# token. For the Spark tests and for anyone who wants a local Spark.
#
#   scripts/spark-connect.sh install              # the virtualenv, once (~0.5 GB)
#   scripts/spark-connect.sh start DIR [--owner PID]
#   scripts/spark-connect.sh stop DIR
#
# `start` writes DIR/port and DIR/token (mode 600) and prints how to point
# Loupe at the server. The token never appears on a command line (the server
# reads it from its environment), so `ps` does not show it. With `--owner PID`
# the server stops by itself when that process ends (a test run that crashed).
# The catalog lives in memory: tables vanish when the server stops.
#
# Environment: LOUPE_SPARK_VENV (default ~/.cache/loupe-spark/venv),
# LOUPE_SPARK_PORT (default: a free port), LOUPE_SPARK_TOKEN (default: random),
# JAVA_HOME (default: Java 17 from Debian, installed when missing).
set -euo pipefail
pyspark_version="4.3.0"
venv="${LOUPE_SPARK_VENV:-$HOME/.cache/loupe-spark/venv}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

spark_home() {
    echo "$venv/lib/$(ls "$venv/lib" | grep '^python3' | head -n 1)/site-packages/pyspark"
}

install() {
    if [ -z "${JAVA_HOME:-}" ] && [ ! -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then
        $sudo_cmd apt-get update -qq
        $sudo_cmd apt-get install -y -qq openjdk-17-jre-headless
    fi
    if [ -x "$venv/bin/python" ] && [ -x "$(spark_home)/sbin/start-connect-server.sh" ]; then
        return
    fi
    if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
        $sudo_cmd apt-get update -qq
        $sudo_cmd apt-get install -y -qq python3-venv
    fi
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "pyspark==$pyspark_version"
}

setup_env() {
    local dir="$1"
    export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
    export SPARK_HOME
    SPARK_HOME="$(spark_home)"
    export SPARK_LOCAL_IP=127.0.0.1 SPARK_PID_DIR="$dir" SPARK_LOG_DIR="$dir/logs"
    export SPARK_LAUNCHER_OPTS=-XX:-UsePerfData SPARK_IDENT_STRING=loupe
}

server_pid() {
    local file
    file="$(ls "$1"/*SparkConnectServer*.pid 2>/dev/null | head -n 1 || true)"
    [ -n "$file" ] && cat "$file"
}

start() {
    local dir="$1" owner=""
    shift
    if [ "${1:-}" = "--owner" ]; then owner="$2"; fi
    install
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if pid="$(server_pid "$dir")" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "a server already runs from $dir (pid $pid); stop it first" >&2
        exit 1
    fi
    # The in-memory catalog forgets tables, not their folders: start clean.
    rm -rf "$dir/warehouse" "$dir/tmp" "$dir/logs" "$dir"/*.pid
    mkdir -p "$dir/tmp" "$dir/logs"
    local port="${LOUPE_SPARK_PORT:-}"
    if [ -z "$port" ]; then
        port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    fi
    local token="${LOUPE_SPARK_TOKEN:-}"
    [ -n "$token" ] || token="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
    (umask 077 && printf '%s' "$token" >"$dir/token")
    printf '%s' "$port" >"$dir/port"
    setup_env "$dir"
    SPARK_CONNECT_AUTHENTICATE_TOKEN="$token" "$SPARK_HOME/sbin/start-connect-server.sh" \
        --master 'local[2]' \
        --conf spark.connect.grpc.binding.address=127.0.0.1 \
        --conf "spark.connect.grpc.binding.port=$port" \
        --conf spark.ui.enabled=false \
        --conf "spark.sql.warehouse.dir=$dir/warehouse" \
        --conf "spark.local.dir=$dir/tmp" \
        --conf spark.sql.shuffle.partitions=2 \
        --conf "spark.driver.extraJavaOptions=-Djava.io.tmpdir=$dir/tmp -XX:-UsePerfData" \
        >"$dir/logs/start.out" 2>&1
    local started=$SECONDS
    until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; do
        pid="$(server_pid "$dir" || true)"
        if [ $((SECONDS - started)) -gt 180 ] || { [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; }; then
            echo "the Spark Connect server did not start; its log:" >&2
            tail -n 40 "$dir"/logs/*.out >&2 || true
            stop "$dir"
            exit 1
        fi
        sleep 0.2
    done
    if [ -n "$owner" ]; then
        # Stops the server once its owner is gone, however the owner ended.
        nohup bash -c "while kill -0 $owner 2>/dev/null; do sleep 1; done; '$0' stop '$dir'" \
            >/dev/null 2>&1 &
    fi
    echo "Spark Connect on 127.0.0.1:$port (pid $(server_pid "$dir")), ready after $((SECONDS - started)) s"
    echo "connect with: export SPARK_REMOTE=\"sc://127.0.0.1:$port/;token=\$(cat $dir/token)\""
}

stop() {
    local dir="$1"
    [ -d "$dir" ] || return 0
    local pid
    pid="$(server_pid "$dir" || true)"
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir"/*SparkConnectServer*.pid
}

case "${1:-}" in
install) install ;;
start) start "${2:?usage: $0 start DIR [--owner PID]}" "${@:3}" ;;
stop) stop "${2:?usage: $0 stop DIR}" ;;
*)
    echo "usage: $0 install | start DIR [--owner PID] | stop DIR" >&2
    exit 2
    ;;
esac
