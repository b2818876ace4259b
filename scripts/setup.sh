#!/usr/bin/env bash
# One-command install for a fresh Debian/Ubuntu machine (or a Mac with redis from Homebrew): system
# packages, then npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "redis-server not found: install it first (macOS: brew install redis), then run make setup again" >&2
    exit 1
  fi
  echo "redis-server not found: installing it from Debian packages"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server
fi

# Debian's Chromium drives the operator console's end-to-end test (playwright-core, no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "chromium not found: installing it from Debian packages (operator console tests)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
  else
    echo "chromium not found: the operator console's browser test will be skipped (set CHROMIUM_PATH to a Chromium)" >&2
  fi
fi

# A JDK and Maven build and test the native Kotlin client (client-sdk-native/, npm run test:native).
if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "a JDK or Maven not found: installing them from Debian packages (native clients)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jdk-headless maven
  else
    echo "a JDK 17 and Maven are needed for the native clients (macOS: brew install openjdk@17 maven)" >&2
    exit 1
  fi
fi

node -e 'const [maj,min]=process.versions.node.split(".").map(Number); if (maj<20||(maj===20&&min<19)) { console.error("Node >= 20.19 is required, found "+process.version); process.exit(1) }'

# puppeteer (pulled in by the AsyncAPI docs generator) must not try to download a browser.
export PUPPETEER_SKIP_DOWNLOAD=1
npm ci --no-audit --no-fund
# Every Maven plugin and dependency of the native clients, so npm test does not download them.
make native-deps
echo "setup complete: run 'npm start' for the local system, 'npm test' for the test suite"
