#!/usr/bin/env bash
# A tour of asyncio for Asio: builds the examples, then runs each one (the Python
# asyncio guides of ../shared/seeds, ported to C++) with a banner naming it and the
# seed it comes from, followed by the time it took. Works from any directory.
#
#   example/tour.sh              everything, in tour order
#   example/tour.sh NAME...      only these examples (still in tour order)
#
# Exits non-zero if the build or any example fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# name:origin, in tour order (seed 000 to 004, each seed in the order of its text,
# then programs of our own).
examples=(
    "hello_world:seeds 000, 004"
    "say_with_gather:seed 000"
    "say_with_tasks:seed 000"
    "add_result:seed 000"
    "hello_coroutine:seed 001"
    "say_after_sequential:seed 001"
    "say_after_concurrent:seed 001"
    "coroutine_objects:seed 002"
    "gather_and_wait_for:seed 002"
    "to_thread_blocking:seed 002"
    "await_coroutine:seed 003"
    "event_loop:seed 003"
    "fetch_data_sequential:seed 003"
    "fetch_data_tasks:seed 003"
    "fetch_data_gather:seed 003"
    "task_group_fetch:seed 003"
    "future_result:seed 003"
    "lock_shared_resource:seed 003"
    "semaphore_access:seed 003"
    "event_signal:seed 003"
    "fetch_and_print_numbers:seed 004"
    "run_until_complete:seed 004"
    "producer_consumer:asyncio.Queue docs"
    "task_group_fan_out:our own"
    "tcp_echo:asyncio streams docs"
    "chat_server:our own"
    "http_beast:our own"
    "parallel_runner:our own"
)

# Which examples to run: all, or those named on the command line.
selected=()
if [ $# -eq 0 ]; then
    selected=("${examples[@]}")
else
    for wanted in "$@"; do
        found=""
        for entry in "${examples[@]}"; do
            [ "${entry%%:*}" = "$wanted" ] && found="$entry"
        done
        [ -n "$found" ] || { echo "tour: no example named '$wanted'" >&2; exit 2; }
    done
    for entry in "${examples[@]}"; do
        for wanted in "$@"; do
            [ "${entry%%:*}" = "$wanted" ] && selected+=("$entry") && break
        done
    done
fi

# Nanoseconds between two `date +%s%N` readings, as seconds with two decimals.
seconds_between() {
    local centis=$((($2 - $1 + 5000000) / 10000000))
    printf '%d.%02d' $((centis / 100)) $((centis % 100))
}

cd "$root"
"$root/.ci/deps"
cmake --preset default
cmake --build --preset examples

bin="$root/build/example"
failed=()
tour_start=$(date +%s%N)
for entry in "${selected[@]}"; do
    name="${entry%%:*}"
    echo
    echo "== $name (${entry#*:}) =="
    start=$(date +%s%N)
    status=0
    "$bin/$name" || status=$?
    end=$(date +%s%N)
    echo "-- $(seconds_between "$start" "$end") s"
    if [ "$status" -ne 0 ]; then
        echo "!! $name failed (exit status $status)" >&2
        failed+=("$name")
    fi
done

echo
ran=${#selected[@]}
if [ ${#failed[@]} -eq 0 ]; then
    echo "tour: $ran examples ran in $(seconds_between "$tour_start" "$(date +%s%N)") s, all passed"
else
    echo "tour: ${#failed[@]} of $ran examples failed: ${failed[*]}" >&2
    exit 1
fi
