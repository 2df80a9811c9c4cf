#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built.
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
VENV=/opt/dlcourse/venv

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Python 3.11 for the course code; bubblewrap for the sandbox (optional: without it the
# worker still runs as an unprivileged user with limits, and the report says so).
command -v python3.11 >/dev/null || apt-get install -y -qq python3.11 python3.11-venv
apt-get install -y -qq python3.11-venv bubblewrap || true

# A venv outside /root, so that the unprivileged grading user can execute it.
python3.11 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# The CPU build of torch: about 210 MB resident on import instead of about 650 MB.
"$VENV/bin/python" -m pip install --quiet --extra-index-url https://download.pytorch.org/whl/cpu \
    -r "$SOURCE/requirements.txt"
chmod -R a+rX /opt/dlcourse

id dlgrader >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin dlgrader
# The bundle: engine and package readable by all; reference, expected outputs, secret root-only.
chmod -R a+rX "$SOURCE/bundle"
chmod -R go-rwx "$SOURCE/bundle/trusted"
