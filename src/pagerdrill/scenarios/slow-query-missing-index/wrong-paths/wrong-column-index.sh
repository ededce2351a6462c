# expect: unresolved
# An index on status alone: a fifth of the table is 'pending', so the bitmap scan still reads
# nearly every page for each call. Faster, nowhere near fast enough.
psql -c "CREATE INDEX CONCURRENTLY {{ table }}_status_idx ON {{ table }} (status);"
psql -c "VACUUM ANALYZE {{ table }};"
sleep 60
