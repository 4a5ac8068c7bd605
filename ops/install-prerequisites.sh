#!/usr/bin/env bash
# Installs what Gatehouse needs on a fresh Debian machine, and nothing already present:
# librdkafka (Debian's librdkafka-dev 2.0.2) with pkg-config, jemalloc (libjemalloc-dev: the
# executables are linked with it in place of glibc's malloc), kcat for the interoperability test,
# wrk for the HTTP benchmarks, and PostgreSQL's server binaries (Debian's postgresql, under
# /usr/lib/postgresql/<version>/bin) for the PostgreSQL store tests, which start their own server.
# Needs root or sudo when something is missing.
set -euo pipefail

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-pip)
pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev pkg-config)
pkg-config --exists jemalloc 2>/dev/null || missing+=(libjemalloc-dev pkg-config)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)

# The schema conformance tests validate real output with Python's jsonschema.
if ! python3 -c 'import jsonschema' >/dev/null 2>&1; then
    echo "Installing jsonschema (PyPI) for schemas/validate.py" >&2
    python3 -m pip install --quiet jsonschema || python3 -m pip install --quiet --break-system-packages jsonschema
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "Gatehouse needs: ${missing[*]}; run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
fi
echo "Installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
