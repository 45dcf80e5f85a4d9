package bigquery
