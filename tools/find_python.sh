#!/bin/sh
# Print the path of a Python the workshop supports (3.12, 3.13 or 3.14), for `make install`;
# with an argument X.Y, of that version only (tools/colab.py asks for Colab's).
# Looks on PATH (python3.13, python3.12, python3.14, python3, python), then in pyenv's versions
# (a pyenv shim of a version that is installed but not selected does not run, so the versions
# folder is read directly). Prints nothing and exits 1 when none is found.
# A shell script, not Python: it has to run before any supported Python is known.
pyenv_versions="${PYENV_ROOT:-$HOME/.pyenv}/versions"
try() {
  if "$1" -c "import sys; sys.exit(not $2)" >/dev/null 2>&1; then
    command -v "$1" 2>/dev/null || echo "$1"
    exit 0
  fi
}
if [ -n "${1:-}" ]; then
  wanted="sys.version_info[:2] == tuple(map(int, '$1'.split('.')))"
  for candidate in "python$1" "$pyenv_versions"/"$1"*/bin/python3; do
    try "$candidate" "$wanted"
  done
  exit 1
fi
supported="(3, 12) <= sys.version_info[:2] <= (3, 14)"
for candidate in python3.13 python3.12 python3.14 python3 python \
    "$pyenv_versions"/3.13*/bin/python3 \
    "$pyenv_versions"/3.12*/bin/python3 \
    "$pyenv_versions"/3.14*/bin/python3; do
  try "$candidate" "$supported"
done
exit 1
