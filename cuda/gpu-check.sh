#!/usr/bin/env bash
# The GPU check lives with the other GPU development tools in cuda/dev/; this path stays because the docs and the
# guide name it. Same arguments and environment as cuda/dev/gpu-check.sh.
exec bash "$(dirname "$0")/dev/gpu-check.sh" "$@"
