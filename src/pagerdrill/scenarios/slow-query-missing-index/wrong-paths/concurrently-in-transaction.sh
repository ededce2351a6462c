# expect: unresolved
# CREATE INDEX CONCURRENTLY cannot run in a transaction block: nothing is built.
psql -c "BEGIN; CREATE INDEX CONCURRENTLY {{ table }}_{{ owner_col }}_status_created_at_idx ON {{ table }} ({{ owner_col }}, status, created_at); COMMIT;"
sleep 30
