#!/usr/bin/env bash
# Installs every Debian package MedSign needs to build, run and test.
# Idempotent: when everything is present it only checks and exits (about a second).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libssl-dev openssl
  libboost-dev libboost-system-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql postgresql-client
  libargon2-dev libyaml-cpp-dev
  libldap-dev slapd ldap-utils
  softhsm2 libp11-kit-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  wrk curl valgrind jq
  chromium fonts-noto-cjk
  libcairo2-dev libpng-dev libjpeg62-turbo-dev libfreetype-dev libfontconfig-dev libzip-dev
  libqpdf-dev qpdf libpoppler-cpp-dev poppler-utils ghostscript libreoffice-writer-nogui
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian's postgresql package starts a system cluster; MedSign's tests run their own.
else
  echo "install-deps: all Debian packages present"
fi

# Node.js for the web apps: the machine's own when present (npm 10+), else Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-deps: installing nodejs and npm"
  ${SUDO:-} apt-get install -y -qq --no-install-recommends nodejs npm
fi
