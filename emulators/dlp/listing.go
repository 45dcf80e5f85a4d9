package dlp

import (
	"strconv"
	"strings"
)

// parseOrderBy parses a List RPC's order_by: "Comma separated list of
// fields to order by, followed by asc or desc postfix". fields compares two
// items by each supported field; supported names them for the error.
func parseOrderBy[T any](spec string, fields map[string]func(a, b T) int, supported string) (func(a, b T) bool, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	type key struct {
		cmp  func(a, b T) int
		desc bool
	}
	var keys []key
	for _, part := range strings.Split(spec, ",") {
		w := strings.Fields(strings.ToLower(part))
		if len(w) == 0 || len(w) > 2 || (len(w) == 2 && w[1] != "asc" && w[1] != "desc") {
			return nil, invalid("order_by %q: want FIELD [asc|desc], comma separated.", spec)
		}
		cmp, ok := fields[w[0]]
		if !ok {
			return nil, invalid("order_by %q: supported fields are %s.", spec, supported)
		}
		keys = append(keys, key{cmp, len(w) == 2 && w[1] == "desc"})
	}
	return func(a, b T) bool {
		for _, k := range keys {
			c := k.cmp(a, b)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	}, nil
}

// pageOf cuts one page from a List RPC's results: page_token is the offset
// the previous page ended at; page_size 0 (or above 1,000) means 1,000.
func pageOf[T any](all []T, token string, pageSize int32) ([]T, string, error) {
	off := 0
	if token != "" {
		var err error
		if off, err = strconv.Atoi(token); err != nil || off < 0 || off > len(all) {
			return nil, "", invalid("Invalid page_token %q.", token)
		}
	}
	size := int(pageSize)
	if size <= 0 || size > 1000 {
		size = 1000
	}
	end := min(off+size, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[off:end], next, nil
}
