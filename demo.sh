#!/usr/bin/env bash
# The main job, shown without touching the host: enable seed 000's flowtable acceleration in a throwaway network
# namespace, read it back, show the counters. Needs root (it creates the namespace).
set -euo pipefail
cd "$(dirname "$0")"
exec dotnet run --project samples/HostAccel.Demo -c Release
