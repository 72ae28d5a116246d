#!/usr/bin/env bash
# Runs a command with the environment it would have from a plain shell, however npm started us.
# `npm run` exports the settings of ITS npm and Node: npm_config_user_agent ("npm/… node/v20…"), which
# a nested `npm install` takes as its own setting and hands on to install scripts (code-server's
# postinstall reads the Node version from it), NODE and npm_node_execpath (its Node binary),
# npm_config_node_gyp, prefixes, lifecycle and package variables, and PATH entries for its
# node_modules/.bin folders and node-gyp. A nested npm then reads its settings from the npmrc files,
# as from a shell. Uppercase NPM_CONFIG_* are kept: npm run never sets them, only a user does.
set -euo pipefail

unset_args=()
while IFS= read -r -d '' entry; do
  name=${entry%%=*}
  case $name in
    npm_*|NODE|INIT_CWD) unset_args+=(-u "$name") ;;
  esac
done < <(env -0)

kept=()
IFS=: read -ra entries <<< "${PATH:-}"
for dir in "${entries[@]}"; do
  case $dir in
    */node_modules/.bin|*/node-gyp-bin) ;;
    *) kept+=("$dir") ;;
  esac
done

exec env "${unset_args[@]}" PATH="$(IFS=:; echo "${kept[*]}")" "$@"
