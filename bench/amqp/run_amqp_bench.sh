#!/usr/bin/env bash
# AMQP 1.0 load comparison: busyard-emulator (in memory, durable) against RabbitMQ 3.10 with its
# AMQP 1.0 plugin (Debian package), all on loopback, with bench/amqp/amqp_load (Proton C++), plus a
# second figure for busyard-emulator with the JS SDK (@azure/service-bus, bench/amqp/sdk_load.mjs).
#
#   bench/amqp/run_amqp_bench.sh [build-dir]
#
# Default build dir: <repo>/build-bench-amqp (Release). Environment:
#   BENCH_COUNT (50000)   messages per throughput run      BENCH_LAT_COUNT (5000)  messages per latency run
#   BENCH_DISK_COUNT (20000) throughput messages for the durable emulator (one fsync per message)
#   BENCH_RATE (1000)     latency-mode rate, msgs/s        BENCH_CREDIT/BENCH_INFLIGHT (500) windows
#   BENCH_SKIP_RABBIT=1   skip the peer                     BENCH_SKIP_SDK=1         skip the SDK figure
#   BENCH_JOBS (2)        build parallelism
# Installs rabbitmq-server with apt-get when missing (needs root). Starts everything itself on free
# loopback ports in a temp dir and always stops it again (trap EXIT).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$repo/build-bench-amqp}"
jobs="${BENCH_JOBS:-2}"
count="${BENCH_COUNT:-50000}"
diskCount="${BENCH_DISK_COUNT:-20000}"
latCount="${BENCH_LAT_COUNT:-5000}"
rate="${BENCH_RATE:-1000}"
credit="${BENCH_CREDIT:-500}"
inflight="${BENCH_INFLIGHT:-500}"

work="$(mktemp -d /tmp/busyard-amqp-bench.XXXXXX)"
pids=()
rabbitStarted=0
epmdPid=""

cleanup() {
    set +e
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    done
    if [[ $rabbitStarted == 1 ]]; then
        rabbit_env rabbitmqctl -q stop >/dev/null 2>&1
        for _ in $(seq 100); do kill -0 "$rabbitPid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$rabbitPid" 2>/dev/null
    fi
    # epmd on our private port (ERL_EPMD_PORT) was started by this run's RabbitMQ: stop only that one.
    if [[ -n "${epmdPort:-}" ]]; then
        epmdPid="$(pgrep -f "epmd.*-port $epmdPort" || true)"
        [[ -z "$epmdPid" ]] && epmdPid="$(ss -ltnpH "sport = :$epmdPort" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)"
        [[ -n "$epmdPid" ]] && kill -TERM $epmdPid 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

freePort() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------------------------------- build
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUSYARD_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target busyard-emulator amqp_load -j"$jobs" >/dev/null
emulator="$build/emulator/cli/busyard-emulator"
load="$build/bench/amqp/amqp_load"
[[ -x $emulator ]] || emulator="$(find "$build" -name busyard-emulator -type f -perm -u+x | head -n1)"

# ------------------------------------------------------------------------------------- results
declare -A R # R[<target>.<key>] = value

# runLoad <target> <mode> <amqp_load args...>: runs, prints, stores the RESULT line's values.
runLoad() {
    local target="$1" mode="$2"
    shift 2
    local out
    out="$("$load" --mode "$mode" "$@" 2>&1)" || true
    echo "$out" | grep -v '^RESULT' | sed "s/^/  [$target] /"
    local line
    line="$(echo "$out" | grep '^RESULT' | tail -n1)"
    for kv in $line; do
        [[ $kv == *=* ]] || continue
        R["$target.$mode.${kv%%=*}"]="${kv#*=}"
    done
}

runBoth() {
    local target="$1" n="$count"
    shift
    [[ $target == emu-disk ]] && n="$diskCount"
    runLoad "$target" throughput --count "$n" --credit "$credit" --inflight "$inflight" "$@"
    runLoad "$target" latency --count "$latCount" --rate "$rate" --credit "$credit" --inflight "$inflight" "$@"
}

# ----------------------------------------------------------------------------- busyard-emulator
# startEmulator <name> <args...>: sets emuPort.
startEmulator() {
    local name="$1"
    shift
    local log="$work/$name.out"
    "$emulator" --amqp-port 0 --amqps-port -1 --http-port -1 --log-level warn --sample "$@" >"$log" 2>"$work/$name.err" &
    local pid=$!
    pids+=("$pid")
    emuPid=$pid
    emuPort=""
    for _ in $(seq 200); do
        emuPort="$(sed -n 's#.*amqp:  amqp://[^:]*:\([0-9]*\).*#\1#p' "$log" | head -n1)"
        [[ -n $emuPort ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n $emuPort ]] || { echo "busyard-emulator ($name) did not start:" >&2; cat "$work/$name.err" >&2; exit 1; }
}

stopEmulator() {
    kill -TERM "$emuPid" 2>/dev/null || true
    wait "$emuPid" 2>/dev/null || true
}

echo "== busyard-emulator, in memory"
startEmulator mem --in-memory --data-dir "$work/emu-mem"
runBoth emu-mem --url "127.0.0.1:$emuPort" --address orders --auth servicebus
if [[ "${BENCH_SKIP_SDK:-0}" != 1 ]] && command -v node >/dev/null && [[ -d $repo/tests/sdk/node_modules/@azure/service-bus ]]; then
    echo "== busyard-emulator, in memory, @azure/service-bus (JS SDK)"
    sdkOut="$(node "$repo/bench/amqp/sdk_load.mjs" \
        "Endpoint=sb://127.0.0.1:$emuPort;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;" \
        orders "${BENCH_SDK_COUNT:-20000}" 2>&1)" || true
    echo "$sdkOut" | grep -v '^RESULT' | sed 's/^/  [sdk] /'
    for kv in $(echo "$sdkOut" | grep '^RESULT' | tail -n1); do
        [[ $kv == *=* ]] && R["sdk.${kv%%=*}"]="${kv#*=}"
    done
fi
stopEmulator

echo "== busyard-emulator, durable (SQLite in $work/emu-disk)"
startEmulator disk --data-dir "$work/emu-disk"
runBoth emu-disk --url "127.0.0.1:$emuPort" --address orders --auth servicebus
stopEmulator

# ------------------------------------------------------------------------------------- RabbitMQ
rabbit_env() {
    env HOME="$work/rabbit" RABBITMQ_NODENAME="busyardbench@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$rabbitPort" RABBITMQ_DIST_PORT="$distPort" ERL_EPMD_PORT="$epmdPort" \
        RABBITMQ_MNESIA_BASE="$work/rabbit/mnesia" RABBITMQ_LOG_BASE="$work/rabbit/log" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$work/rabbit/enabled_plugins" RABBITMQ_CONFIG_FILE="$work/rabbit/rabbitmq" \
        RABBITMQ_PID_FILE="$work/rabbit/pid" PATH="/usr/lib/rabbitmq/bin:$PATH" "$@"
}

if [[ "${BENCH_SKIP_RABBIT:-0}" != 1 ]]; then
    if [[ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
        [[ $(id -u) == 0 ]] || { echo "rabbitmq-server is not installed and we are not root" >&2; exit 1; }
        DEBIAN_FRONTEND=noninteractive apt-get install -y rabbitmq-server >/dev/null
        # Debian's postinst may have started a node through init scripts; we run our own below.
    fi
    rabbitPort="$(freePort)"
    distPort="$(freePort)"
    epmdPort="$(freePort)"
    mkdir -p "$work/rabbit/mnesia" "$work/rabbit/log"
    cat >"$work/rabbit/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$rabbitPort
loopback_users.guest = true
log.console = false
log.file.level = warning
EOF
    rabbit_env rabbitmq-plugins -q enable --offline rabbitmq_amqp1_0 >/dev/null
    version="$(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo unknown)"
    echo "== RabbitMQ $version (rabbitmq_amqp1_0) on 127.0.0.1:$rabbitPort"
    rabbit_env rabbitmq-server </dev/null >"$work/rabbit/server.out" 2>&1 &
    rabbitPid=$!
    rabbitStarted=1
    up=0
    for _ in $(seq 120); do
        if rabbit_env rabbitmq-diagnostics -q ping >/dev/null 2>&1; then up=1; break; fi
        kill -0 "$rabbitPid" 2>/dev/null || break
        sleep 1
    done
    # ping answers before the plugins' listeners are up: wait for the AMQP port as well.
    if [[ $up == 1 ]]; then
        up=0
        for _ in $(seq 60); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$rabbitPort") 2>/dev/null; then up=1; break; fi
            sleep 1
        done
    fi
    [[ $up == 1 ]] || { echo "RabbitMQ did not start:" >&2; tail -n 30 "$work/rabbit/server.out" >&2; exit 1; }
    # "/queue/<name>" declares the (durable, classic) queue on attach in the 3.10 plugin.
    runBoth rabbit --url "127.0.0.1:$rabbitPort" --address /queue/bench --auth plain --user guest --password guest
    runBoth rabbit-persistent --url "127.0.0.1:$rabbitPort" --address /queue/bench-persistent --auth plain \
        --user guest --password guest --durable
fi

# -------------------------------------------------------------------------------------- report
val() { echo "${R[$1]:-}"; }
ratio() { # ratio <a> <b>: a / b with 2 decimals, "-" when missing
    local a="$1" b="$2"
    [[ -n $a && -n $b && $b != 0 ]] || { echo "-"; return; }
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
}

echo
echo "== AMQP 1.0 load, ${count} x 1 KB at-least-once (throughput; durable emulator ${diskCount}), ${latCount} at ${rate}/s (latency)"
printf '%-22s %10s %10s %9s %9s %9s %9s %8s %8s %8s\n' target sends/s recv/s p50_us p99_us ack_p50 ack_p99 \
    send_x recv_x
for t in emu-mem emu-disk rabbit rabbit-persistent; do
    [[ -n "$(val "$t.throughput.sends_per_s")$(val "$t.latency.p50_us")" ]] || continue
    ok="$(val "$t.throughput.complete")$(val "$t.latency.complete")"
    [[ $ok == 11 ]] || t_note=" (incomplete)"
    printf '%-22s %10s %10s %9s %9s %9s %9s %8s %8s%s\n' "$t" "$(val "$t.throughput.sends_per_s")" \
        "$(val "$t.throughput.receives_per_s")" "$(val "$t.latency.p50_us")" "$(val "$t.latency.p99_us")" \
        "$(val "$t.latency.ack_p50_us")" "$(val "$t.latency.ack_p99_us")" \
        "$(ratio "$(val "$t.throughput.sends_per_s")" "$(val rabbit.throughput.sends_per_s)")" \
        "$(ratio "$(val "$t.throughput.receives_per_s")" "$(val rabbit.throughput.receives_per_s)")" "${t_note:-}"
    t_note=""
done
echo "(send_x / recv_x: throughput relative to RabbitMQ with non-persistent messages)"
if [[ -n "$(val sdk.sends_per_s)" ]]; then
    echo "JS SDK vs busyard-emulator (memory): sends $(val sdk.sends_per_s)/s (batches of $(val sdk.batch)), receives+complete $(val sdk.receives_per_s)/s"
fi

# Targets of the issue: memory >= 1.5x RabbitMQ throughput with a lower p99; durable >= 1.0x.
if [[ -n "$(val rabbit.throughput.sends_per_s)" ]]; then
    check() { # check <label> <value> <min>
        awk -v v="$2" -v m="$3" -v l="$1" 'BEGIN { printf "  %-40s %s (%.2f, target >= %.2f)\n", l, (v >= m ? "MET" : "NOT MET"), v, m }'
    }
    echo "Targets:"
    memSend="$(ratio "$(val emu-mem.throughput.sends_per_s)" "$(val rabbit.throughput.sends_per_s)")"
    memRecv="$(ratio "$(val emu-mem.throughput.receives_per_s)" "$(val rabbit.throughput.receives_per_s)")"
    diskSend="$(ratio "$(val emu-disk.throughput.sends_per_s)" "$(val rabbit.throughput.sends_per_s)")"
    diskRecv="$(ratio "$(val emu-disk.throughput.receives_per_s)" "$(val rabbit.throughput.receives_per_s)")"
    check "memory sends vs RabbitMQ" "${memSend/-/0}" 1.5
    check "memory receives vs RabbitMQ" "${memRecv/-/0}" 1.5
    check "durable sends vs RabbitMQ" "${diskSend/-/0}" 1.0
    check "durable receives vs RabbitMQ" "${diskRecv/-/0}" 1.0
    awk -v a="$(val emu-mem.latency.p99_us)" -v b="$(val rabbit.latency.p99_us)" \
        'BEGIN { printf "  %-40s %s (%s us vs %s us)\n", "memory p99 lower than RabbitMQ", (a != "" && a < b ? "MET" : "NOT MET"), a, b }'
fi
