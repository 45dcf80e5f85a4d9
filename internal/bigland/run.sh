#!/bin/sh
# Peak RSS of ingest landing a 1 GB JSONL object through LandObject (load-job
# path), each emulator in its own process. From the module root:
#
#	sh internal/bigland/run.sh [MiB]
#
# Prints /usr/bin/time -v for the landing process only.
set -eu
MB=${1:-1024}
W=$(mktemp -d /tmp/bigland.XXXXXX)
FILE=${BIGLAND_FILE:-/tmp/sluice-big-$MB.jsonl}
go build -o "$W/sluice" ./cmd/sluice
go build -o "$W/bigland" ./internal/bigland
"$W/sluice" emulator gcs --addr 127.0.0.1:0 --workdir "$W/gcs" >"$W/gcs.out" 2>"$W/gcs.err" &
GCS_PID=$!
BQ_PID=
trap 'kill $GCS_PID $BQ_PID 2>/dev/null || true' EXIT
for i in $(seq 50); do grep -q STORAGE_EMULATOR_HOST "$W/gcs.out" 2>/dev/null && break; sleep 0.2; done
eval "$(cat "$W/gcs.out")"
export STORAGE_EMULATOR_HOST
"$W/bigland" bq --addr 127.0.0.1:0 --workdir "$W/bq" >"$W/bq.out" 2>"$W/bq.err" &
BQ_PID=$!
for i in $(seq 50); do grep -q BIGQUERY_EMULATOR_HOST "$W/bq.out" 2>/dev/null && break; sleep 0.2; done
eval "$(cat "$W/bq.out")"
export BIGQUERY_EMULATOR_HOST
echo "gcs $STORAGE_EMULATOR_HOST (pid $GCS_PID), bigquery $BIGQUERY_EMULATOR_HOST (pid $BQ_PID), workdir $W"
"$W/bigland" put --file "$FILE" --mb "$MB" --object events/big.jsonl
/usr/bin/time -v "$W/bigland" land --object events/big.jsonl 2>"$W/time.txt"
grep -E 'Maximum resident|Elapsed|User time|System time|Exit status' "$W/time.txt"
echo "emulator peak RSS: gcs $(grep VmHWM /proc/$GCS_PID/status | tr -s ' \t' ' '), bigquery $(grep VmHWM /proc/$BQ_PID/status | tr -s ' \t' ' ')"
rm -rf "$W/gcs" "$W/bq"
