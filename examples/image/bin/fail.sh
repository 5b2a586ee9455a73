#!/bin/sh
# Exits with the code given as $1 (default 3) after a line on stderr: for restart and
# exit-code demonstrations.
echo "fail.sh: exiting with ${1:-3}" >&2
exit "${1:-3}"
