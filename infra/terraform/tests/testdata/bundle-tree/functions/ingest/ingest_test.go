package ingest
