package bigquery

import (
	"testing"

	"cloud.google.com/go/bigquery"
)

// DATE - DATE is an INTERVAL (the GoogleSQL reference's example: DATE "2021-05-20" - DATE
// "2020-04-19" is 0-0 396 0:0:0), read through the Go client.
func TestDateMinusDateIsInterval(t *testing.T) {
	e := newEnv(t, Options{})
	it, err := e.client.Query(`SELECT DATE "2021-05-20" - DATE "2020-04-19" AS date_diff`).Read(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		t.Fatal(err)
	}
	iv, ok := row[0].(*bigquery.IntervalValue)
	if !ok || iv.String() != "0-0 396 0:0:0" || it.Schema[0].Type != bigquery.IntervalFieldType {
		t.Errorf("got %#v (%T), schema %v, want INTERVAL 0-0 396 0:0:0", row[0], row[0], it.Schema[0].Type)
	}
}
