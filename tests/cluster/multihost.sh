#!/bin/bash
# multihost.sh - run the MPI labs' suites with ranks spread over two "hosts"
# (network namespaces joined by a bridge, see scripts/netns-cluster), so the
# ranks really talk TCP between different addresses, as on a cluster.
#
#   multihost.sh NETNS_CLUSTER_SCRIPT TEST_BINARY...
# Exit 77 (CTest: skipped) when the machine cannot make namespaces; the reason
# is printed, so a skipped run is never mistaken for a pass.
set -uo pipefail
cluster=$1; shift
prefix="plc$$"
prefix=${prefix:0:8}
export PARALAB_NETNS_PREFIX=$prefix
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

"$cluster" check || { rc=$?; echo "SKIPPED: multi-host MPI test needs network namespaces"; exit "$rc"; }
trap '"$cluster" down >/dev/null 2>&1' EXIT
"$cluster" up 2 || { echo "FAIL: could not create the two nodes"; exit 1; }

# Prove the spread first: with 2 slots per node, 4 ranks must land on both.
hosts=$(timeout 60 "$cluster" run -np 4 hostname | sort -u | tr '\n' ' ')
echo "ranks ran on: $hosts"
if [[ $hosts != "node1 node2 " ]]; then
    echo "FAIL: expected ranks on node1 and node2"
    exit 1
fi

fail=0
for bin in "$@"; do
    # Left out, as they would fail on a real cluster for reasons that are not
    # the code's: tests that download from the loopback HTTP fixture (it
    # listens on rank 0's 127.0.0.1, which another node cannot reach), and
    # tests that count runs in a tally file (common/pl_tally.h: the file is
    # on rank 0's disk, a rank on another node cannot map it). Everything
    # else in the suite runs.
    only=() left_out=0
    while IFS= read -r name; do
        case $name in
            *fetch*|*exactly_once*|*runs_once*|*in_the_models_workers*) left_out=$((left_out + 1)) ;;
            *) only+=(--only "$name") ;;
        esac
    done < <("$bin" --list 2>/dev/null)
    [[ $left_out -eq 0 ]] || echo "($(basename "$bin"): $left_out tests left out: loopback fixture or tally file on rank 0's node)"
    if [[ ${#only[@]} -eq 0 ]]; then
        echo "FAIL: $(basename "$bin") --list gave no tests"; fail=1; continue
    fi
    echo "=== $(basename "$bin"): $((${#only[@]} / 2)) tests with 4 ranks over 2 nodes"
    if ! timeout 300 "$cluster" run -np 4 "$bin" "${only[@]}"; then
        echo "FAIL: $(basename "$bin")"
        fail=1
    fi
done
exit $fail
