#!/usr/bin/env bash
# The whole l2tpx test suite, from a fresh Debian 12 machine (as root):
#   1. install the Debian packages the project needs
#   2. build (gcc, debugoptimized) and run the unit tests
#   3. build again under AddressSanitizer + UndefinedBehaviorSanitizer and
#      run the unit tests once more
#   4. build the libFuzzer targets (clang) and run each for 60 s
#   5. run the system tests (pytest, network namespaces, real xl2tpd peers)
# It ends with one line "N passed, N failed" and exits non-zero on failure.
#
# Environment: FUZZ_SECONDS (default 60), SKIP_SYSTEM=1, SKIP_FUZZ=1,
#              SKIP_ASAN=1, PYTEST_ARGS (extra pytest arguments).
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
top=$(pwd)

fuzz_seconds=${FUZZ_SECONDS:-60}
passed=0
failed=0
failures=()

note() { printf '\n==== %s ====\n' "$*"; }
count() { # count PASSED FAILED LABEL
    passed=$((passed + $1))
    failed=$((failed + $2))
    if [ "$2" -gt 0 ]; then failures+=("$3 ($2)"); fi
}
die_step() { # a build step failed: count it and go on with what can run
    echo "!! $1 failed"
    count 0 1 "$1"
}

note "dependencies"
if ! bash scripts/install-deps.sh; then
    echo "!! could not install dependencies"
    echo "0 passed, 1 failed"
    exit 1
fi

# meson test prints "Ok: N" / "Fail: N" / "Timeout: N" lines; turn them into counts.
meson_counts() { # LOGFILE LABEL
    local ok fail to
    ok=$(awk '/^Ok:/ {print $2}' "$1" | tail -1)
    fail=$(awk '/^Fail:/ {print $2}' "$1" | tail -1)
    to=$(awk '/^Timeout:/ {print $2}' "$1" | tail -1)
    ok=${ok:-0}
    fail=$(( ${fail:-0} + ${to:-0} ))
    if [ "$ok" = 0 ] && [ "$fail" = 0 ]; then fail=1; fi # ran nothing: that is a failure
    count "$ok" "$fail" "$2"
}

note "format (clang-format, the repository's .clang-format)"
unformatted=()
while IFS= read -r f; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find src tests bench -name '*.[ch]')
if [ ${#unformatted[@]} -eq 0 ]; then
    echo "all C sources formatted"
    count 1 0 "format"
else
    printf '!! not clang-formatted: %s\n' "${unformatted[@]}"
    count 0 1 "format"
fi

note "build (gcc)"
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build; fi
if ninja -C build; then
    note "unit tests"
    meson test -C build --suite unit --print-errorlogs 2>&1 | tee build/unit-tests.log
    meson_counts build/unit-tests.log "unit tests"
else
    die_step "build"
fi

if [ "${SKIP_ASAN:-0}" != 1 ]; then
    note "unit tests under ASan+UBSan"
    if [ ! -d build-asan ]; then
        meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
            --buildtype=debug >/dev/null
    fi
    if ninja -C build-asan; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            meson test -C build-asan --suite unit --print-errorlogs 2>&1 \
            | tee build-asan/unit-tests.log
        meson_counts build-asan/unit-tests.log "unit tests (asan+ubsan)"
    else
        die_step "build (asan+ubsan)"
    fi
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
    note "fuzzers (${fuzz_seconds} s each)"
    if [ ! -d build-fuzz ]; then
        CC=clang meson setup build-fuzz -Dfuzz=true -Dunit_tests=false --buildtype=debugoptimized \
            >/dev/null
    fi
    if ninja -C build-fuzz; then
        mapfile -t targets < <(find build-fuzz/tests/fuzz -type f -name 'fuzz_*' -perm -u+x | sort)
        if [ ${#targets[@]} -eq 0 ]; then die_step "fuzz targets (none built)"; fi
        # Two at a time: one per core, so each really gets its 60 s of CPU.
        run_fuzz() { # TARGET
            local t=$1 name seeds work
            name=$(basename "$t")
            seeds=$(dirname "${t/build-fuzz\//}")/corpus
            work=build-fuzz/corpus-run/$name
            rm -rf "$work"
            mkdir -p "$work"
            [ -d "$seeds" ] && cp -a "$seeds"/. "$work"/
            (cd build-fuzz && "$top/$t" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
                -artifact_prefix="$top/build-fuzz/$name-" "$top/$work" \
                >"$top/build-fuzz/$name.log" 2>&1)
        }
        fuzz_report() { # NAME STATUS
            if [ "$2" = 0 ]; then
                echo "fuzz $1: no finding in ${fuzz_seconds} s ($(grep -m1 -o \
                    'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$1.log" \
                    | awk '{print $2}') runs)"
                count 1 0 "fuzz"
            else
                echo "!! fuzz $1: FINDING, see build-fuzz/$1.log"
                tail -40 "build-fuzz/$1.log"
                count 0 1 "fuzz $1"
            fi
        }
        i=0
        while [ $i -lt ${#targets[@]} ]; do
            a=${targets[$i]}
            run_fuzz "$a" &
            pa=$!
            pb=
            if [ $((i + 1)) -lt ${#targets[@]} ]; then
                b=${targets[$((i + 1))]}
                run_fuzz "$b" &
                pb=$!
            fi
            rc=0; wait "$pa" || rc=$?
            fuzz_report "$(basename "$a")" "$rc"
            if [ -n "$pb" ]; then
                rc=0; wait "$pb" || rc=$?
                fuzz_report "$(basename "$b")" "$rc"
            fi
            i=$((i + 2))
        done
    else
        die_step "build (fuzz)"
    fi
fi

if [ "${SKIP_SYSTEM:-0}" != 1 ]; then
    note "system tests"
    if [ -x build/src/daemon/l2tpxd ]; then
        # shellcheck disable=SC2086
        L2TPX_BUILD="$top/build" /usr/bin/python3 -m pytest tests/system -q -rfE \
            -p no:cacheprovider ${PYTEST_ARGS:-} 2>&1 | tee build/system-tests.log
        # Only pytest's closing line counts ("3 failed, 149 passed, 1 error in 300s"):
        # daemon logs in failure reports contain "error 0" and the like.
        last=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|errors|skipped)\b.* in [0-9.]+s' \
            build/system-tests.log | tail -1)
        sp=$(grep -Eo '[0-9]+ passed' <<<"$last" | awk '{print $1}')
        sf=$(grep -Eo '[0-9]+ (failed|error|errors)' <<<"$last" | awk '{s+=$1} END {print s+0}')
        sp=${sp:-0}
        if [ "$sp" = 0 ] && [ "$sf" = 0 ]; then sf=1; fi
        count "$sp" "$sf" "system tests"
    else
        die_step "system tests (l2tpxd not built)"
    fi
fi

note "summary"
if [ ${#failures[@]} -gt 0 ]; then printf 'failing: %s\n' "${failures[*]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
