package ingest

import (
	"strings"
	"testing"
)

func TestParseObjectSurrogates(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"\ud83d\ude00"}`: "\U0001F600",
		`{"a":"\ud800\u0041"}`: "\uFFFDA", // a lone high half, then a character
		`{"a":"\ud800x"}`:      "\uFFFDx",
		`{"a":"\ude00"}`:       "\uFFFD",
		`{"a":"\udc00\udc00"}`: "\uFFFD\uFFFD", // two low halves
	} {
		ms, rerr := parseObject([]byte(in), 8, nil)
		if rerr != nil || len(ms) != 1 || ms[0].value() != want {
			t.Errorf("%s: %v %v, want %q", in, ms, rerr, want)
		}
	}
}

func TestParseObjectReasons(t *testing.T) {
	for in, want := range map[string]RejectReason{
		`{"a":1,"a":2}`:                          ReasonDuplicateKey,
		`{"a":{"b":1,"b":2}}`:                    ReasonDuplicateKey,
		`{"a":[[[[[[[[[1]]]]]]]]]}`:              ReasonTooDeep,
		`[{"a":1}]`:                              ReasonNotAnObject,
		`{"a":1} {"b":2}`:                        ReasonInvalidJSON,
		`{"a":1`:                                 ReasonInvalidJSON,
		`{"a":`:                                  ReasonInvalidJSON,
		`{"a": `:                                 ReasonInvalidJSON,
		`{"order_id": "x", "total": `:            ReasonInvalidJSON,
		`{"a":-`:                                 ReasonInvalidJSON,
		`{"a":1,`:                                ReasonInvalidJSON,
		`{"a":[`:                                 ReasonInvalidJSON,
		`{"a":"\u12`:                             ReasonInvalidJSON,
		`{"a":"\`:                                ReasonInvalidJSON,
		`{"a":"\0""}`:                            ReasonInvalidJSON,
		`{"a":-"b"}`:                             ReasonInvalidJSON,
		`{"a":1."2"}`:                            ReasonInvalidJSON,
		`{"a":tru"e"}`:                           ReasonInvalidJSON,
		`{"a":"` + strings.Repeat("x", 10) + `}`: ReasonInvalidJSON,
	} {
		_, rerr := parseObject([]byte(in), 8, nil)
		if rerr == nil || rerr.reason != want {
			t.Errorf("%s: got %v, want %s", in, rerr, want)
		}
	}
}
