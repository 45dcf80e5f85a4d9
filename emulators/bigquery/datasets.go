package bigquery

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	bq "google.golang.org/api/bigquery/v2"
)

func nowMillis() int64 { return time.Now().UnixMilli() }

func validDatasetID(id string) bool {
	if id == "" || len(id) > 1024 || strings.HasPrefix(id, "_bq_") {
		return false
	}
	for _, r := range id {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (s *Server) decorateDataset(p string, d *bq.Dataset) *bq.Dataset {
	cp := *d
	cp.Kind = "bigquery#dataset"
	cp.DatasetReference = &bq.DatasetReference{ProjectId: p, DatasetId: d.DatasetReference.DatasetId}
	cp.Id = p + ":" + d.DatasetReference.DatasetId
	cp.SelfLink = fmt.Sprintf("/bigquery/v2/projects/%s/datasets/%s", p, d.DatasetReference.DatasetId)
	cp.Etag = strconv.FormatInt(d.LastModifiedTime, 16)
	return &cp
}

func (s *Server) insertDataset(w http.ResponseWriter, r *http.Request) (any, error) {
	p := r.PathValue("p")
	var d bq.Dataset
	if err := decodeBody(r, &d); err != nil {
		return nil, err
	}
	if d.DatasetReference == nil || d.DatasetReference.DatasetId == "" {
		return nil, invalid("Missing required field: datasetReference.datasetId")
	}
	id := d.DatasetReference.DatasetId
	if !validDatasetID(id) {
		return nil, invalid("Invalid dataset ID %q. Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.", id)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	_, exists := s.datasets[id]
	s.mu.RUnlock()
	if exists {
		return nil, errorf(409, "duplicate", "Already Exists: Dataset %s:%s", p, id)
	}
	now := nowMillis()
	d.CreationTime, d.LastModifiedTime = now, now
	if d.Location == "" {
		d.Location = s.opts.Location
	}
	ctx := r.Context()
	if _, err := s.db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(id)); err != nil {
		return nil, err
	}
	if err := s.saveDataset(ctx, s.db, &d); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.datasets[id] = &d
	s.mu.Unlock()
	return s.decorateDataset(p, &d), nil
}

func (s *Server) dataset(p, id string) (*bq.Dataset, error) {
	s.mu.RLock()
	d := s.datasets[id]
	s.mu.RUnlock()
	if d == nil {
		return nil, notFound("Dataset %s:%s", p, id)
	}
	return d, nil
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request) (any, error) {
	p := r.PathValue("p")
	d, err := s.dataset(p, r.PathValue("d"))
	if err != nil {
		return nil, err
	}
	return s.decorateDataset(p, d), nil
}

func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request) (any, error) {
	p := r.PathValue("p")
	s.mu.RLock()
	ids := make([]string, 0, len(s.datasets))
	for id := range s.datasets {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	sort.Strings(ids)
	list := &bq.DatasetList{Kind: "bigquery#datasetList", Datasets: []*bq.DatasetListDatasets{}}
	filter := r.URL.Query().Get("filter")
	for _, id := range ids {
		d, err := s.dataset(p, id)
		if err != nil {
			continue
		}
		if !labelFilter(filter, d.Labels) {
			continue
		}
		list.Datasets = append(list.Datasets, &bq.DatasetListDatasets{
			Kind: "bigquery#dataset", Id: p + ":" + id, Labels: d.Labels, Location: d.Location, FriendlyName: d.FriendlyName,
			DatasetReference: &bq.DatasetReference{ProjectId: p, DatasetId: id},
		})
	}
	items, next, err := page(list.Datasets, r)
	if err != nil {
		return nil, err
	}
	list.Datasets, list.NextPageToken = items, next
	return list, nil
}

// labelFilter implements the "labels.key:value" filter of datasets.list.
func labelFilter(filter string, labels map[string]string) bool {
	for _, term := range strings.Fields(filter) {
		if strings.EqualFold(term, "AND") {
			continue
		}
		term = strings.TrimPrefix(term, "labels.")
		k, v, hasV := strings.Cut(term, ":")
		got, ok := labels[k]
		if !ok || hasV && got != v {
			return false
		}
	}
	return true
}

// page applies maxResults/pageToken (an offset) to a list.
func page[T any](items []T, r *http.Request) ([]T, string, error) {
	q := r.URL.Query()
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return nil, "", invalid("Invalid page token %q", tok)
		}
		start = n
	}
	if start > len(items) {
		start = len(items)
	}
	end := len(items)
	if mr := q.Get("maxResults"); mr != "" {
		n, err := strconv.Atoi(mr)
		if err != nil || n < 0 {
			return nil, "", invalid("Invalid maxResults %q", mr)
		}
		if n > 0 && start+n < end {
			end = start + n
		}
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func (s *Server) patchDataset(w http.ResponseWriter, r *http.Request) (any, error) {
	p, id := r.PathValue("p"), r.PathValue("d")
	var raw map[string]json.RawMessage
	if err := decodeBody(r, &raw); err != nil {
		return nil, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	old, err := s.dataset(p, id)
	if err != nil {
		return nil, err
	}
	if et := r.Header.Get("If-Match"); et != "" && et != strconv.FormatInt(old.LastModifiedTime, 16) {
		return nil, errorf(412, "conditionNotMet", "Precondition check failed.")
	}
	d := *old
	if r.Method == http.MethodPut {
		d = bq.Dataset{DatasetReference: old.DatasetReference, CreationTime: old.CreationTime, Location: old.Location}
	}
	for k, v := range raw {
		var err error
		switch k {
		case "description":
			err = json.Unmarshal(v, &d.Description)
		case "friendlyName":
			err = json.Unmarshal(v, &d.FriendlyName)
		case "labels":
			var l map[string]*string
			err = json.Unmarshal(v, &l)
			if r.Method == http.MethodPatch && d.Labels != nil {
				m := map[string]string{}
				for a, b := range d.Labels {
					m[a] = b
				}
				d.Labels = m
			} else {
				d.Labels = map[string]string{}
			}
			for a, b := range l {
				if b == nil {
					delete(d.Labels, a)
				} else {
					d.Labels[a] = *b
				}
			}
		case "defaultTableExpirationMs":
			var n json.Number
			if err = json.Unmarshal(v, &n); err == nil {
				d.DefaultTableExpirationMs, _ = n.Int64()
			} else {
				var sn string
				if err = json.Unmarshal(v, &sn); err == nil {
					d.DefaultTableExpirationMs, _ = strconv.ParseInt(sn, 10, 64)
				}
			}
		case "access":
			err = json.Unmarshal(v, &d.Access)
		}
		if err != nil {
			return nil, invalid("Invalid value for %s: %v", k, err)
		}
	}
	d.LastModifiedTime = nowMillis()
	if err := s.saveDataset(r.Context(), s.db, &d); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.datasets[id] = &d
	s.mu.Unlock()
	return s.decorateDataset(p, &d), nil
}

func (s *Server) deleteDataset(w http.ResponseWriter, r *http.Request) (any, error) {
	p, id := r.PathValue("p"), r.PathValue("d")
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.dataset(p, id); err != nil {
		return nil, err
	}
	ctx := r.Context()
	s.mu.RLock()
	var keys []tableKey
	for k := range s.tables {
		if k.dataset == id {
			keys = append(keys, k)
		}
	}
	s.mu.RUnlock()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_catalog = current_database() AND NOT starts_with(table_name, '`+infoSchemaPrefix+`')`, id).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 && r.URL.Query().Get("deleteContents") != "true" {
		return nil, errorf(400, "resourceInUse", "Dataset %s:%s is still in use", p, id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmts := []string{
		`DROP SCHEMA IF EXISTS ` + quoteIdent(id) + ` CASCADE`,
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+metaSchema+`.tables WHERE dataset = ?`, id); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+metaSchema+`.datasets WHERE dataset = ?`, id); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.datasets, id)
	for _, k := range keys {
		delete(s.tables, k)
		delete(s.dedup, k)
	}
	s.mu.Unlock()
	return nil, nil
}
