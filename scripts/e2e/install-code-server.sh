#!/usr/bin/env bash
# Installs what the end-to-end tests need to run a real VS Code here: Debian's Chromium, Node 24 and
# code-server, cached under .cache/ (outside the project's node_modules). Idempotent: a second run
# only checks. Prints the path of a code-server launcher that puts Node 24 first on PATH itself, so
# the caller's own Node (20) stays untouched.
set -euo pipefail

# Started under `npm run` (npm test, npm run bench), the environment carries that npm's settings for
# its own Node 20, which a nested npm install takes as its own (code-server's postinstall then refuses
# "node v20"): run as from a plain shell instead.
if compgen -e | grep -qE '^(npm_.*|NODE|INIT_CWD)$' || [[ ":${PATH:-}:" == *"/node_modules/.bin:"* || ":${PATH:-}:" == *"/node-gyp-bin:"* ]]; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/without-npm-run.sh" bash "${BASH_SOURCE[0]}" "$@"
fi

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache_dir=${HELM_PROV_E2E_CACHE:-$repo_root/.cache}
node_dir=$cache_dir/node$NODE_MAJOR
cs_dir=$cache_dir/code-server
launcher=$cs_dir/bin/code-server
# Written last, so an interrupted install is redone instead of trusted.
cs_marker=$cs_dir/.installed-$CODE_SERVER_VERSION

log() { echo "[install-code-server] $*" >&2; }
# What is being installed; on failure the last line names it (the bench's report quotes that line).
step=''
trap 'status=$?; if [ "$status" -ne 0 ] && [ -n "$step" ]; then log "could not install $step (exit $status)"; fi' EXIT
# Every download/build step is bounded; timeout(1) ends the step's whole process group.
bounded() { timeout --kill-after=30s 15m "$@"; }

install_debian_packages() {
  local wanted=(chromium libkrb5-dev pkg-config) missing=() pkg
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  step="the Debian packages ${missing[*]} (apt-get install, as root or through sudo)"
  log "apt-get install ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  bounded "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive bounded "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
}

node24_ok() { [ -x "$node_dir/node_modules/.bin/node" ] && [[ "$("$node_dir/node_modules/.bin/node" -v)" == v$NODE_MAJOR.* ]]; }

install_node24() {
  node24_ok && return
  step="Node $NODE_MAJOR (npm install node@$NODE_MAJOR into $node_dir)"
  log "npm install node@$NODE_MAJOR into $node_dir"
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  bounded npm install --prefix "$node_dir" --no-save --no-package-lock --loglevel=error "node@$NODE_MAJOR" >&2
  node24_ok || { log "node@$NODE_MAJOR did not give a Node $NODE_MAJOR binary"; exit 1; }
}

node24_bin() { dirname "$(readlink -f "$node_dir/node_modules/.bin/node")"; }

install_code_server() {
  [ -f "$cs_marker" ] && return
  step="code-server $CODE_SERVER_VERSION (npm install code-server@$CODE_SERVER_VERSION into $cs_dir, with Node $NODE_MAJOR)"
  log "npm install code-server@$CODE_SERVER_VERSION into $cs_dir (native builds: a few minutes)"
  rm -rf "$cs_dir"
  mkdir -p "$cs_dir"
  local node_headers
  # The platform package under node@24 is a full Node distribution, headers included.
  node_headers=$(find "$node_dir/node_modules" -path '*/include/node/common.gypi' -print -quit)
  [ -n "$node_headers" ] || { log "no Node $NODE_MAJOR headers under $node_dir"; exit 1; }
  # Node 24 first on PATH for this install only; native modules build against its own headers
  # (node-gyp cannot download them offline, and the machine's npmrc may point nodedir at Node 20's);
  # root needs unsafe-perm for code-server's postinstall.
  PATH="$(node24_bin):$PATH" \
    npm_config_nodedir="${node_headers%/include/node/common.gypi}" \
    npm_config_unsafe_perm=true \
    bounded npm install --prefix "$cs_dir" --no-save --no-package-lock --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" >&2
  write_launcher
  # code-server writes a default config (with a password) into XDG_CONFIG_HOME on every start.
  local scratch
  scratch=$(mktemp -d)
  XDG_CONFIG_HOME=$scratch XDG_DATA_HOME=$scratch timeout 60s "$launcher" --version >&2
  rm -rf "$scratch"
  touch "$cs_marker"
}

# Paths relative to the launcher, so the cache folder can be moved or shared as a whole.
write_launcher() {
  mkdir -p "$(dirname "$launcher")"
  cat > "$launcher" <<LAUNCHER
#!/usr/bin/env bash
# code-server $CODE_SERVER_VERSION with the Node $NODE_MAJOR it requires first on PATH.
here=\$(dirname "\$(readlink -f "\${BASH_SOURCE[0]}")")
export PATH="\$here/$(realpath --relative-to="$(dirname "$launcher")" "$(node24_bin)"):\$PATH"
exec "\$here/../node_modules/.bin/code-server" "\$@"
LAUNCHER
  chmod +x "$launcher"
}

install_debian_packages
install_node24
install_code_server
step=''
echo "$launcher"
