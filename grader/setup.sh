#!/bin/bash
# setup.sh - Gradescope's image-build step for paralab (and the Dockerfile's grader stage).
#
# Gradescope unpacks the autograder zip into /autograder/source and runs
# `setup.sh` from there as root, once, when the instructor uploads it; each
# submission then runs /autograder/run_autograder in a copy of that image.
# Everything slow and networked belongs here (packages, the grader build), so
# run_autograder starts grading at once and needs no network.
#
# Tested for real on Debian 12 (tests/docker/build-images builds the grader
# image with it, from a bare debootstrapped Debian 12). Gradescope's default
# image is Ubuntu 22.04: same package names, but cmake 3.22 (paralab needs
# 3.25, found below) and universe must be enabled (libcunit1-dev, tini).
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: setup.sh [--deps-only | --build-only]

Prepares this machine (as root) to grade paralab submissions:
  1. packages: scripts/install-deps (compiler, CMake, Open MPI, CUnit, curl,
     bubblewrap, unzip) plus tini; enables Ubuntu's universe when a package
     is only there; a CMake older than CMakeLists.txt's minimum is replaced
     by a newer one from PyPI (Ubuntu 22.04 ships 3.22)
  2. the unprivileged user submissions run as (paralab-runner)
  3. the grader (build/grader/paralab-grade) and /autograder/run_autograder

  --deps-only   step 1 only (the Dockerfile caches it as its own layer)
  --build-only  steps 2 and 3 only
  -h, --help    this text

Environment: PARALAB_SOURCE (default: the paralab tree this script is in).
USAGE
}

say() { echo "setup.sh: $*"; }
die() { echo "setup.sh: $*" >&2; exit 1; }

deps=1 build=1
case ${1:-} in
    "") ;;
    --deps-only) build=0 ;;
    --build-only) deps=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || die "must run as root (Gradescope does): it installs packages and creates a user"

# Gradescope puts setup.sh at the top of the zip (next to the tree); in this
# repository it lives in grader/. Either way the tree is where CMakeLists.txt is.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE=${PARALAB_SOURCE:-}
if [ -z "$SOURCE" ]; then
    for cand in "$here" "$here/.."; do
        if [ -f "$cand/CMakeLists.txt" ] && [ -d "$cand/grader" ]; then SOURCE=$(cd "$cand" && pwd); break; fi
    done
fi
[ -n "$SOURCE" ] && [ -f "$SOURCE/CMakeLists.txt" ] || die "cannot find the paralab tree (set PARALAB_SOURCE)"

export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- packages
os_id=$(. /etc/os-release 2>/dev/null && echo "${ID:-unknown}")
os_codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")

# A package apt cannot find at all ("no installation candidate").
no_candidate() {
    local p policy
    for p in "$@"; do
        # Captured first: `apt-cache | grep -q` would fail under pipefail
        # when grep stops reading early (SIGPIPE).
        policy=$(apt-cache policy "$p" 2>/dev/null || true)
        grep -q 'Candidate: [^(]' <<<"$policy" || echo "$p"
    done
}

# Ubuntu keeps CUnit and tini in universe. Docker's ubuntu images enable it,
# trimmed images may not: add it next to the existing main archive.
enable_universe() {
    [ "$os_id" = ubuntu ] || return 0
    if command -v add-apt-repository >/dev/null; then
        add-apt-repository -y universe
    else
        local mirror
        mirror=$(sed -n 's/^deb[[:space:]]\+\([^[:space:]]*\)[[:space:]]\+'"$os_codename"'[[:space:]].*main.*/\1/p' \
            /etc/apt/sources.list 2>/dev/null | head -n 1)
        [ -n "$mirror" ] || mirror=http://archive.ubuntu.com/ubuntu
        echo "deb $mirror $os_codename universe" >/etc/apt/sources.list.d/paralab-universe.list
        echo "deb $mirror $os_codename-updates universe" >>/etc/apt/sources.list.d/paralab-universe.list
    fi
    apt-get update
}

# "3.25" from `cmake_minimum_required(VERSION 3.25)`.
cmake_needed() {
    sed -n 's/^cmake_minimum_required(VERSION \([0-9.]*\).*/\1/p' "$SOURCE/CMakeLists.txt" | head -n 1
}
# True when version $1 >= $2 (dpkg knows how to compare versions).
version_ge() { dpkg --compare-versions "$1" ge "$2"; }

install_packages() {
    say "packages (on $os_id $os_codename)"
    apt-get update
    local wanted missing
    # One list of names for every platform: scripts/install-deps.
    mapfile -t wanted < <("$SOURCE/scripts/install-deps" --list)
    wanted+=(tini)
    mapfile -t missing < <(no_candidate "${wanted[@]}")
    if [ ${#missing[@]} -gt 0 ]; then
        say "not in the enabled archives: ${missing[*]}; enabling universe"
        enable_universe
        mapfile -t missing < <(no_candidate "${wanted[@]}")
        [ ${#missing[@]} -eq 0 ] || die "no package for: ${missing[*]} (on $os_id $os_codename)"
    fi
    "$SOURCE/scripts/install-deps"
    apt-get install -y --no-install-recommends tini

    local need have
    need=$(cmake_needed)
    have=$(cmake --version | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')
    if [ -n "$need" ] && ! version_ge "$have" "$need"; then
        # Ubuntu 22.04: cmake 3.22. Kitware's wheels on PyPI are the usual
        # way to a newer CMake without touching the system's; pip puts it
        # in /usr/local/bin, ahead of /usr/bin on root's PATH.
        say "cmake $have is older than the $need CMakeLists.txt needs: installing cmake>=$need from PyPI"
        apt-get install -y --no-install-recommends python3-pip
        python3 -m pip install --no-cache-dir "cmake>=$need" ||
            die "could not install cmake>=$need (pip needs network access during setup)"
        hash -r
        have=$(cmake --version | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')
        version_ge "$have" "$need" || die "cmake is still $have after the install (PATH: $PATH)"
    fi
    say "cmake $have, $(gcc --version | head -n 1), $(mpirun --version 2>/dev/null | head -n 1)"
}

# ---------------------------------------------------------------- grader
build_grader() {
    # The grader would create the user itself; doing it here makes it part of
    # the image, so every submission's container starts with it.
    if ! id paralab-runner >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin paralab-runner
    fi
    say "building the grader in $SOURCE/build"
    # Only the grader: it builds the reference and the submission itself, in
    # its own work directory, for every submission.
    cmake -S "$SOURCE" -B "$SOURCE/build" -DPARALAB_BUILD_TESTS=OFF -DPARALAB_IMPL=solutions >/dev/null
    cmake --build "$SOURCE/build" -j"$(nproc)" --target paralab-grade paralab-verdict-shim
    if [ -d /autograder ]; then
        install -m 0755 "$SOURCE/grader/run_autograder" /autograder/run_autograder
        mkdir -p /autograder/submission /autograder/results
    fi
    say "ready: /autograder/run_autograder grades /autograder/submission"
}

[ "$deps" = 0 ] || install_packages
[ "$build" = 0 ] || build_grader
