#!/bin/sh
# Print the path of a Python the workshop supports (3.12, 3.13 or 3.14), for `make install`.
# Looks on PATH (python3.13, python3.12, python3.14, python3, python), then in pyenv's versions
# (a pyenv shim of a version that is installed but not selected does not run, so the versions
# folder is read directly). Prints nothing and exits 1 when none is found.
# A shell script, not Python: it has to run before any supported Python is known.
for candidate in python3.13 python3.12 python3.14 python3 python \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.14*/bin/python3; do
  if "$candidate" -c 'import sys; sys.exit(not ((3, 12) <= sys.version_info[:2] <= (3, 14)))' \
      >/dev/null 2>&1; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
exit 1
