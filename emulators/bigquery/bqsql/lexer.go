package bqsql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF      tokKind = iota
	tIdent            // bare identifier (not reserved)
	tQIdent           // `quoted` identifier
	tKeyword          // reserved keyword, val upper-cased
	tString           // string literal, val = decoded value
	tBytes            // bytes literal, val = raw bytes
	tInt              // integer literal
	tFloat            // floating point literal
	tParam            // @name
	tPosParam         // ?
	tSysVar           // @@name
	tOp               // punctuation and operators
)

type token struct {
	kind      tokKind
	val       string
	line, col int
	off, end  int // byte offsets in the source
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tIdent:
		return "identifier \"" + t.val + "\""
	case tQIdent:
		return "identifier `" + t.val + "`"
	case tKeyword:
		return "keyword " + t.val
	case tString:
		return "string literal \"" + t.val + "\""
	case tBytes:
		return "bytes literal"
	case tInt:
		return "integer literal \"" + t.val + "\""
	case tFloat:
		return "floating point literal \"" + t.val + "\""
	case tParam:
		return "query parameter @" + t.val
	case tPosParam:
		return "\"?\""
	case tSysVar:
		return "system variable @@" + t.val
	}
	return "\"" + t.val + "\""
}

// reserved keywords of BigQuery Standard SQL.
var reserved = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`ALL AND ANY ARRAY AS ASC ASSERT_ROWS_MODIFIED AT BETWEEN BY CASE CAST COLLATE
	CONTAINS CREATE CROSS CUBE CURRENT DEFAULT DEFINE DESC DISTINCT ELSE END ENUM ESCAPE EXCEPT EXCLUDE EXISTS
	EXTRACT FALSE FETCH FOLLOWING FOR FROM FULL GROUP GROUPING GROUPS HASH HAVING IF IGNORE IN INNER INTERSECT
	INTERVAL INTO IS JOIN LATERAL LEFT LIKE LIMIT LOOKUP MERGE NATURAL NEW NO NOT NULL NULLS OF ON OR ORDER
	OUTER OVER PARTITION PRECEDING PROTO QUALIFY RANGE RECURSIVE RESPECT RIGHT ROLLUP ROWS SELECT SET SOME
	STRUCT TABLESAMPLE THEN TO TREAT TRUE UNBOUNDED UNION UNNEST USING WHEN WHERE WINDOW WITH WITHIN`) {
		reserved[k] = true
	}
}

func errAt(line, col int, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), Line: line, Column: col}
}

// lex splits BigQuery SQL into tokens.
func lex(src string) ([]token, error) {
	var toks []token
	line, col := 1, 1
	i := 0
	adv := func(n int) {
		for k := 0; k < n && i < len(src); k++ {
			if src[i] == '\n' {
				line++
				col = 1
			} else if src[i] < 0x80 || src[i] >= 0xC0 {
				col++
			}
			i++
		}
	}
	for {
		// skip whitespace and comments
		for i < len(src) {
			c := src[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
				adv(1)
			} else if c == '#' || (c == '-' && i+1 < len(src) && src[i+1] == '-') {
				for i < len(src) && src[i] != '\n' {
					adv(1)
				}
			} else if c == '/' && i+1 < len(src) && src[i+1] == '*' {
				l0, c0 := line, col
				adv(2)
				for i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/') {
					adv(1)
				}
				if i >= len(src) {
					return nil, errAt(l0, c0, "Syntax error: Unclosed comment")
				}
				adv(2)
			} else {
				break
			}
		}
		if i >= len(src) {
			toks = append(toks, token{kind: tEOF, line: line, col: col, off: i, end: i})
			return toks, nil
		}
		l0, c0 := line, col
		o0 := i
		c := src[i]
		push := func(k tokKind, v string) {
			toks = append(toks, token{kind: k, val: v, line: l0, col: c0, off: o0, end: i})
		}
		switch {
		case (c == 'r' || c == 'R' || c == 'b' || c == 'B') && i+1 < len(src) && (src[i+1] == '\'' || src[i+1] == '"' ||
			((src[i+1] == 'r' || src[i+1] == 'R' || src[i+1] == 'b' || src[i+1] == 'B') && i+2 < len(src) && (src[i+2] == '\'' || src[i+2] == '"'))):
			raw, byt := false, false
			for src[i] != '\'' && src[i] != '"' {
				if src[i] == 'r' || src[i] == 'R' {
					raw = true
				} else {
					byt = true
				}
				adv(1)
			}
			v, err := lexString(src, &i, adv, raw, l0, c0)
			if err != nil {
				return nil, err
			}
			if byt {
				push(tBytes, v)
			} else {
				push(tString, v)
			}
		case c == '\'' || c == '"':
			v, err := lexString(src, &i, adv, false, l0, c0)
			if err != nil {
				return nil, err
			}
			push(tString, v)
		case c == '`':
			j := i + 1
			var sb strings.Builder
			for j < len(src) && src[j] != '`' {
				if src[j] == '\\' && j+1 < len(src) {
					sb.WriteByte(src[j+1])
					j += 2
					continue
				}
				sb.WriteByte(src[j])
				j++
			}
			if j >= len(src) {
				return nil, errAt(l0, c0, "Syntax error: Unclosed identifier literal")
			}
			adv(j + 1 - i)
			push(tQIdent, sb.String())
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			w := src[i:j]
			adv(j - i)
			if reserved[strings.ToUpper(w)] {
				push(tKeyword, strings.ToUpper(w))
			} else {
				push(tIdent, w)
			}
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9' && !prevIsPathish(toks)):
			j := i
			isFloat := false
			if c == '0' && j+1 < len(src) && (src[j+1] == 'x' || src[j+1] == 'X') {
				j += 2
				for j < len(src) && strings.IndexByte("0123456789abcdefABCDEF", src[j]) >= 0 {
					j++
				}
				n, err := strconv.ParseInt(src[i+2:j], 16, 64)
				if err != nil {
					return nil, errAt(l0, c0, "Syntax error: Invalid hex literal")
				}
				adv(j - i)
				push(tInt, strconv.FormatInt(n, 10))
				continue
			}
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			if j < len(src) && src[j] == '.' {
				isFloat = true
				j++
				for j < len(src) && src[j] >= '0' && src[j] <= '9' {
					j++
				}
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
				k := j + 1
				if k < len(src) && (src[k] == '+' || src[k] == '-') {
					k++
				}
				if k < len(src) && src[k] >= '0' && src[k] <= '9' {
					isFloat = true
					j = k
					for j < len(src) && src[j] >= '0' && src[j] <= '9' {
						j++
					}
				}
			}
			w := src[i:j]
			adv(j - i)
			if isFloat {
				push(tFloat, w)
			} else {
				push(tInt, w)
			}
		case c == '@':
			j := i + 1
			k := tParam
			if j < len(src) && src[j] == '@' {
				j++
				k = tSysVar
			}
			s := j
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			if j == s {
				return nil, errAt(l0, c0, "Syntax error: Unexpected \"@\"")
			}
			name := src[s:j]
			adv(j - i)
			push(k, name)
		case c == '?':
			adv(1)
			push(tPosParam, "?")
		default:
			for _, op := range []string{"<=>", "<<", ">>", "<=", ">=", "<>", "!=", "||", "=>", "->"} {
				if strings.HasPrefix(src[i:], op) {
					adv(len(op))
					push(tOp, op)
					goto next
				}
			}
			if strings.IndexByte("()[],.;*+-/=<>~&|^:{}", c) >= 0 {
				adv(1)
				push(tOp, string(c))
				continue
			}
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, errAt(l0, c0, "Syntax error: Illegal input character %q", string(r))
		}
	next:
	}
}

// prevIsPathish reports whether a '.' after the previous token is a path separator (t.1 is not a float).
func prevIsPathish(toks []token) bool {
	if len(toks) == 0 {
		return false
	}
	p := toks[len(toks)-1]
	return p.kind == tIdent || p.kind == tQIdent || (p.kind == tOp && (p.val == ")" || p.val == "]"))
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func lexString(src string, ip *int, adv func(int), raw bool, l0, c0 int) (string, error) {
	i := *ip
	q := src[i]
	triple := strings.HasPrefix(src[i:], strings.Repeat(string(q), 3))
	delim := string(q)
	if triple {
		delim = strings.Repeat(string(q), 3)
	}
	start := i
	j := i + len(delim)
	var sb strings.Builder
	for {
		if j >= len(src) {
			return "", errAt(l0, c0, "Syntax error: Unclosed string literal")
		}
		if strings.HasPrefix(src[j:], delim) {
			j += len(delim)
			break
		}
		ch := src[j]
		if !triple && ch == '\n' {
			return "", errAt(l0, c0, "Syntax error: Unclosed string literal")
		}
		if ch == '\\' && j+1 < len(src) {
			if raw {
				sb.WriteByte(ch)
				sb.WriteByte(src[j+1])
				j += 2
				continue
			}
			e := src[j+1]
			j += 2
			switch e {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			case 'r':
				sb.WriteByte('\r')
			case 'a':
				sb.WriteByte(7)
			case 'b':
				sb.WriteByte(8)
			case 'f':
				sb.WriteByte(12)
			case 'v':
				sb.WriteByte(11)
			case '\\', '\'', '"', '`', '?':
				sb.WriteByte(e)
			case 'x', 'X':
				if j+2 > len(src) {
					return "", errAt(l0, c0, "Syntax error: Illegal escape sequence")
				}
				n, err := strconv.ParseUint(src[j:j+2], 16, 8)
				if err != nil {
					return "", errAt(l0, c0, "Syntax error: Illegal escape sequence: \\x%s", src[j:j+2])
				}
				sb.WriteByte(byte(n))
				j += 2
			case 'u', 'U':
				w := 4
				if e == 'U' {
					w = 8
				}
				if j+w > len(src) {
					return "", errAt(l0, c0, "Syntax error: Illegal escape sequence")
				}
				n, err := strconv.ParseUint(src[j:j+w], 16, 32)
				if err != nil {
					return "", errAt(l0, c0, "Syntax error: Illegal escape sequence")
				}
				sb.WriteRune(rune(n))
				j += w
			default:
				if e >= '0' && e <= '7' && j+2 <= len(src) {
					n, err := strconv.ParseUint(src[j-1:j+2], 8, 8)
					if err == nil {
						sb.WriteByte(byte(n))
						j += 2
						continue
					}
				}
				return "", errAt(l0, c0, "Syntax error: Illegal escape sequence: \\%c", e)
			}
			continue
		}
		sb.WriteByte(ch)
		j++
	}
	adv(j - start)
	*ip = j
	return sb.String(), nil
}
