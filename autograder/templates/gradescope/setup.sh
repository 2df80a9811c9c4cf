#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image. Tried for
# Gradescope's Ubuntu 22.04 and 24.04 "Base" images: it says what it does at each step,
# and any failure stops the build with the step that failed.
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
VENV=/opt/dlcourse/venv
say() { echo "setup.sh: $*"; }
trap 'say "FAILED at line $LINENO: the autograder is not usable"' ERR

export DEBIAN_FRONTEND=noninteractive
. /etc/os-release 2>/dev/null && say "image: ${PRETTY_NAME:-unknown}"
say "updating apt's package lists"
apt-get update -qq

# A Python from 3.11 to 3.13: 3.11 where the image has it (22.04's apt), else the
# system's own (3.12 on 24.04). The course's code and every pinned package run on each.
good_python() { "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; }
PYTHON=""
for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && good_python "$candidate"; then PYTHON="$candidate"; break; fi
done
if [ -z "$PYTHON" ]; then
    say "no Python 3.11 to 3.13 on this image: installing python3.11 from apt"
    apt-get install -y -qq python3.11
    PYTHON=python3.11
fi
VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
say "using Python $("$PYTHON" -c 'import sys; print(sys.version.split()[0])') ($(command -v "$PYTHON"))"
apt-get install -y -qq "python${VERSION}-venv" >/dev/null

# bubblewrap gives each worker a private filesystem where the container allows it;
# Gradescope's usually does not, and the grader then says so and uses its fallback
# (group-locked packages, a seccomp filter for the network).
if apt-get install -y -qq bubblewrap >/dev/null 2>&1; then
    say "bubblewrap installed"
else
    say "bubblewrap not installed: the grader uses its fallback"
fi

# A venv outside /root, so that the unprivileged grading user can execute it; every
# package pinned (dependencies too), torch and torchvision as their CPU builds.
say "creating $VENV and installing $(wc -l < "$SOURCE/requirements.txt") pinned packages"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
CPU_INDEX=()  # torch's CPU builds live on PyTorch's own index
grep -q '+cpu' "$SOURCE/requirements.txt" && CPU_INDEX=(--extra-index-url https://download.pytorch.org/whl/cpu)
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    "${CPU_INDEX[@]}" -r "$SOURCE/requirements.txt"
chmod -R a+rX /opt/dlcourse

id dlgrader >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin dlgrader
say "grading user: $(id dlgrader)"
# The bundle: root's alone (run_autograder hands the worker copies of what it may read).
chmod -R go-rwx "$SOURCE/bundle"

PYTHONPATH="$SOURCE/bundle/engine" "$VENV/bin/python" -m autograder.selfcheck "$SOURCE/requirements.txt"
say "done"
