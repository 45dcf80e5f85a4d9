package bqsql

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzLex checks the lexer alone: tokens or an *Error with a position,
// never a panic; tokens tile the source in order, end with one EOF, and
// identifiers, keywords, numbers and operators are the source text they
// cover.
func FuzzLex(f *testing.F) {
	data, _ := os.ReadFile("testdata/corpus.sql")
	for _, chunk := range strings.Split(string(data), "-- name:") {
		f.Add(chunk)
	}
	for _, s := range []string{`'a\x4'`, `"\u00e9\U0001F600"`, `r'\n' b"\xff" rb'x' BR"""y"""`, `'''a` + "\n" + `b'''`, "`a\\`b`", `0x`, `0xFFFFFFFFFFFFFFFFFF`,
		`1.e5 .5 5. 1e+ 1e-3`, `@x @@y @ ?`, `/* x`, `-- x`, `# x`, "a\u00e9b", "\xff", `'\777'`, `'\0'`, `t.1.2`, `<=> <> != || => ->`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		toks, err := lex(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 || !strings.HasPrefix(e.Msg, "Syntax error: ") {
				t.Fatalf("lex error %T %v: want a positioned *Error", err, err)
			}
			return
		}
		if len(toks) == 0 || toks[len(toks)-1].kind != tEOF || toks[len(toks)-1].off != len(src) {
			t.Fatalf("tokens do not end with EOF at %d: %+v", len(src), toks)
		}
		prevEnd, prevLine := 0, 1
		for i, tk := range toks {
			if tk.off < prevEnd || tk.end < tk.off || tk.end > len(src) {
				t.Fatalf("token %d %+v overlaps or leaves the source (previous end %d, len %d)", i, tk, prevEnd, len(src))
			}
			if tk.kind == tEOF && i != len(toks)-1 {
				t.Fatalf("EOF token at %d of %d", i, len(toks))
			}
			if tk.line < prevLine || tk.col < 1 {
				t.Fatalf("token %d %+v: position goes back", i, tk)
			}
			if want := strings.Count(src[:tk.off], "\n") + 1; tk.line != want {
				t.Fatalf("token %d %+v: line %d, want %d", i, tk, tk.line, want)
			}
			text := src[tk.off:tk.end]
			switch tk.kind {
			case tIdent, tOp, tFloat:
				if tk.val != text {
					t.Fatalf("token %d: val %q, source %q", i, tk.val, text)
				}
			case tKeyword:
				if tk.val != strings.ToUpper(text) || !reserved[tk.val] {
					t.Fatalf("token %d: keyword %q, source %q", i, tk.val, text)
				}
			case tInt:
				if !strings.HasPrefix(strings.ToLower(text), "0x") && tk.val != text {
					t.Fatalf("token %d: int %q, source %q", i, tk.val, text)
				}
			case tString:
				if q := text[len(text)-1]; q != '\'' && q != '"' {
					t.Fatalf("token %d: string literal %q does not end with a quote", i, text)
				}
			}
			prevEnd, prevLine = tk.end, tk.line
		}
		_ = utf8.ValidString(src)
	})
}

// Deep nesting is bounded (a million "(" once overflowed the stack, a
// fatal error), and the speculative subquery parse no longer retries at
// every level (8,000 nested parentheses took 55 s; now milliseconds).
func TestDeepNestingIsAnError(t *testing.T) {
	for _, q := range []string{
		"SELECT " + strings.Repeat("(", 1<<20) + "1",
		"SELECT " + strings.Repeat("[", 1<<20) + "1",
		"SELECT " + strings.Repeat("NOT ", 1<<18) + "TRUE",
		"SELECT " + strings.Repeat("- ", 1<<19) + "1",
		"SELECT * FROM " + strings.Repeat("(", 1<<20) + "t",
		strings.Repeat("(", 1<<20) + "SELECT 1",
		"SELECT " + strings.Repeat("f(", 1<<19) + "1",
	} {
		_, err := Translate(q, Options{DefaultDataset: "ds"})
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Msg, "nested more than 1000 levels") {
			t.Errorf("%.20s…: %v, want the nesting error", q, err)
		}
	}
	n := 900
	for _, q := range []string{
		"SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"SELECT " + strings.Repeat("(", n) + "SELECT 1" + strings.Repeat(")", n),
		"SELECT * FROM " + strings.Repeat("(", n/2) + "ds.t" + strings.Repeat(")", n/2),
	} {
		if _, err := Translate(q, Options{DefaultDataset: "ds"}); err != nil {
			t.Errorf("%d levels: %v", n, err)
		}
	}
}

func TestDoubleNegationIsNotAComment(t *testing.T) {
	for q, want := range map[string]string{"SELECT - -1, 2": "SELECT CAST(1 AS BIGINT) AS", "SELECT - - -2.5": "CAST('-2.5' AS DOUBLE)"} {
		st, err := Translate(q, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(st[0].SQL, want) || strings.Contains(st[0].SQL, "--") {
			t.Errorf("%s → %s, want it to contain %s", q, st[0].SQL, want)
		}
	}
}
