#!/usr/bin/env bash
# The admin page's browser test (examples/tests/admin_browser.rs): a real headless Chromium
# driven through chromedriver. Installs Debian's `chromium` and `chromium-driver` when
# chromedriver is missing, then runs the test, which fails under CI when it cannot find one.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromedriver >/dev/null 2>&1; then
    echo "browser: installing chromium and chromium-driver"
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi
echo "browser: $(chromedriver --version)"
CI="${CI:-true}" cargo test -p examples --test admin_browser -- --nocapture
