package bqsql

import (
	"strconv"
	"strings"
)

// dateCall translates date and time functions. ok is false when name is not one.
func (pr *printer) dateCall(f *funcExpr, name string) (string, bool) {
	switch name {
	case "CURRENT_DATE":
		a := pr.args(f, 0, 1)
		if len(a) == 1 {
			return "CAST(timezone(" + a[0] + ", " + pr.now() + ") AS DATE)", true
		}
		return "CAST(" + pr.now() + " AS DATE)", true
	case "CURRENT_TIMESTAMP":
		pr.args(f, 0, 0)
		return pr.now(), true
	case "CURRENT_DATETIME":
		a := pr.args(f, 0, 1)
		tz := "'UTC'"
		if len(a) == 1 {
			tz = a[0]
		}
		return "timezone(" + tz + ", " + pr.now() + ")", true
	case "DATE":
		a := pr.args(f, 1, 3)
		switch len(a) {
		case 1:
			return "CAST(" + a[0] + " AS DATE)", true
		case 2:
			return "CAST(timezone(" + a[1] + ", " + a[0] + ") AS DATE)", true
		}
		return "make_date(" + strings.Join(a, ", ") + ")", true
	case "DATETIME":
		a := pr.args(f, 1, 6)
		switch len(a) {
		case 1:
			return "CAST(" + a[0] + " AS TIMESTAMP)", true
		case 2:
			if isTZArg(f.args[1]) {
				return "timezone(" + a[1] + ", CAST(" + a[0] + " AS TIMESTAMPTZ))", true
			}
			return "(CAST(" + a[0] + " AS DATE) + CAST(" + a[1] + " AS TIME))", true
		case 6:
			return "make_timestamp(" + strings.Join(a, ", ") + ")", true
		}
		pr.fail(f.at, "Number of arguments does not match for function DATETIME")
	case "TIME":
		a := pr.args(f, 1, 3)
		switch len(a) {
		case 1:
			if lit, ok := f.args[0].(*litExpr); ok && lit.kind == "STRING" {
				return "CAST(" + a[0] + " AS TIME)", true
			}
			return "CAST(CAST(" + a[0] + " AS TIMESTAMP) AS TIME)", true
		case 2:
			return "CAST(timezone(" + a[1] + ", " + a[0] + ") AS TIME)", true
		}
		return "make_time(" + strings.Join(a, ", ") + ")", true
	case "TIMESTAMP":
		a := pr.args(f, 1, 2)
		if len(a) == 2 {
			return "timezone(" + a[1] + ", CAST(" + a[0] + " AS TIMESTAMP))", true
		}
		return "CAST(" + a[0] + " AS TIMESTAMPTZ)", true
	case "DATE_TRUNC":
		a := pr.argsPart(f, 2, 2, 1)
		return "CAST(" + pr.truncate(f.at, "CAST("+a[0]+" AS DATE)", f.args[1], "DAY WEEK ISOWEEK MONTH QUARTER YEAR ISOYEAR") + " AS DATE)", true
	case "DATETIME_TRUNC":
		a := pr.argsPart(f, 2, 2, 1)
		return "CAST(" + pr.truncate(f.at, "CAST("+a[0]+" AS TIMESTAMP)", f.args[1], "MICROSECOND MILLISECOND SECOND MINUTE HOUR DAY WEEK ISOWEEK MONTH QUARTER YEAR ISOYEAR") + " AS TIMESTAMP)", true
	case "TIMESTAMP_TRUNC":
		a := pr.argsPart(f, 2, 3, 1)
		tz := "'UTC'"
		if len(a) == 3 {
			tz = a[2]
		}
		local := "timezone(" + tz + ", CAST(" + a[0] + " AS TIMESTAMPTZ))"
		return "timezone(" + tz + ", " + pr.truncate(f.at, local, f.args[1], "MICROSECOND MILLISECOND SECOND MINUTE HOUR DAY WEEK ISOWEEK MONTH QUARTER YEAR ISOYEAR") + ")", true
	case "TIME_TRUNC":
		a := pr.argsPart(f, 2, 2, 1)
		part, _ := pr.partName(f.args[1])
		if _, ok := truncParts[part]; !ok || part == "DAY" || part == "MONTH" || part == "YEAR" || part == "QUARTER" || part == "ISOYEAR" {
			pr.fail(f.at, "Unsupported date part %s for TIME_TRUNC", part)
		}
		return "CAST(date_trunc('" + truncParts[part] + "', CAST('1970-01-01' AS DATE) + CAST(" + a[0] + " AS TIME)) AS TIME)", true
	case "DATE_ADD", "DATE_SUB":
		a := pr.args(f, 2, 2)
		op := " + "
		if name == "DATE_SUB" {
			op = " - "
		}
		iv, ok := f.args[1].(*intervalExpr)
		if !ok {
			pr.fail(f.at, "%s requires an INTERVAL argument", name)
		}
		switch iv.unit {
		case "DAY", "WEEK", "MONTH", "QUARTER", "YEAR":
		default:
			pr.fail(f.at, "Unsupported date part %s for %s", iv.unit, name)
		}
		return "CAST(CAST(" + a[0] + " AS DATE)" + op + pr.intervalArg(f, 1) + " AS DATE)", true
	case "DATETIME_ADD", "DATETIME_SUB", "TIMESTAMP_ADD", "TIMESTAMP_SUB", "TIME_ADD", "TIME_SUB":
		a := pr.args(f, 2, 2)
		op := " + "
		if strings.HasSuffix(name, "_SUB") {
			op = " - "
		}
		iv, ok := f.args[1].(*intervalExpr)
		if !ok {
			pr.fail(f.at, "%s requires an INTERVAL argument", name)
		}
		if strings.HasPrefix(name, "TIMESTAMP") {
			switch iv.unit {
			case "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY":
			default:
				pr.fail(f.at, "Unsupported date part %s for %s", iv.unit, name)
			}
			return "(CAST(" + a[0] + " AS TIMESTAMPTZ)" + op + pr.intervalArg(f, 1) + ")", true
		}
		if strings.HasPrefix(name, "TIME_") {
			return "(CAST(" + a[0] + " AS TIME)" + op + pr.intervalArg(f, 1) + ")", true
		}
		return "(CAST(" + a[0] + " AS TIMESTAMP)" + op + pr.intervalArg(f, 1) + ")", true
	case "DATE_DIFF":
		a := pr.argsPart(f, 3, 3, 2)
		part, wd := pr.partName(f.args[2])
		x, y := "CAST("+a[0]+" AS DATE)", "CAST("+a[1]+" AS DATE)"
		if k, ok := pr.weekShift(f.at, part, wd); ok {
			// BigQuery counts week boundaries (weeks starting on the given day)
			return weekDiff(y, x, k), true
		}
		switch part {
		case "DAY", "MONTH", "QUARTER", "YEAR", "ISOYEAR":
			return "date_diff('" + strings.ToLower(part) + "', " + y + ", " + x + ")", true
		}
		pr.fail(f.at, "Unsupported date part %s for DATE_DIFF", part)
	case "DATETIME_DIFF":
		a := pr.argsPart(f, 3, 3, 2)
		part, wd := pr.partName(f.args[2])
		x, y := "CAST("+a[0]+" AS TIMESTAMP)", "CAST("+a[1]+" AS TIMESTAMP)"
		if k, ok := pr.weekShift(f.at, part, wd); ok {
			return weekDiff(y, x, k), true
		}
		switch part {
		case "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR":
			return "date_sub('" + strings.ToLower(part) + "', " + y + ", " + x + ")", true
		case "DAY", "MONTH", "QUARTER", "YEAR", "ISOYEAR":
			return "date_diff('" + strings.ToLower(part) + "', " + y + ", " + x + ")", true
		}
		pr.fail(f.at, "Unsupported date part %s for DATETIME_DIFF", part)
	case "TIMESTAMP_DIFF":
		a := pr.argsPart(f, 3, 3, 2)
		part, _ := pr.partName(f.args[2])
		switch part {
		case "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR":
			return "date_sub('" + strings.ToLower(part) + "', CAST(" + a[1] + " AS TIMESTAMPTZ), CAST(" + a[0] + " AS TIMESTAMPTZ))", true
		case "DAY":
			// BigQuery: DAY is 24 hours for TIMESTAMP_DIFF
			return "(date_sub('hour', CAST(" + a[1] + " AS TIMESTAMPTZ), CAST(" + a[0] + " AS TIMESTAMPTZ)) // 24)", true
		}
		pr.fail(f.at, "Unsupported date part %s for TIMESTAMP_DIFF", part)
	case "TIME_DIFF":
		a := pr.argsPart(f, 3, 3, 2)
		part, _ := pr.partName(f.args[2])
		switch part {
		case "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR":
			return "date_sub('" + strings.ToLower(part) + "', CAST(" + a[1] + " AS TIME), CAST(" + a[0] + " AS TIME))", true
		}
		pr.fail(f.at, "Unsupported date part %s for TIME_DIFF", part)
	case "FORMAT_DATE", "FORMAT_DATETIME", "FORMAT_TIME":
		if len(f.args) != 2 {
			pr.fail(f.at, "Number of arguments does not match for function %s", name)
		}
		cast := map[string]string{"FORMAT_DATE": "DATE", "FORMAT_DATETIME": "TIMESTAMP", "FORMAT_TIME": "TIME"}[name]
		x := "CAST(" + pr.expr(f.args[1]) + " AS " + cast + ")"
		if cast == "TIME" {
			x = "(CAST('1970-01-01' AS DATE) + " + x + ")"
		}
		return pr.formatValue(f.at, x, f.args[0], "", ""), true
	case "FORMAT_TIMESTAMP":
		if len(f.args) < 2 || len(f.args) > 3 {
			pr.fail(f.at, "Number of arguments does not match for function FORMAT_TIMESTAMP")
		}
		tz := "'UTC'"
		if len(f.args) == 3 {
			tz = pr.expr(f.args[2])
		}
		tsz := "CAST(" + pr.expr(f.args[1]) + " AS TIMESTAMPTZ)"
		return pr.formatValue(f.at, "timezone("+tz+", "+tsz+")", f.args[0], tsz, tz), true
	case "PARSE_DATE", "PARSE_DATETIME", "PARSE_TIMESTAMP", "PARSE_TIME":
		if len(f.args) < 2 || len(f.args) > 3 || (len(f.args) == 3 && name != "PARSE_TIMESTAMP") {
			pr.fail(f.at, "Number of arguments does not match for function %s", name)
		}
		val, fmtArg := pr.expr(f.args[1]), f.args[0]
		// unspecified fields start at 1970-01-01 (DuckDB's strptime starts at 1900): a format without a
		// year element gets one, and the value "1970 " in front
		if lit, ok := fmtArg.(*litExpr); ok && lit.kind == "STRING" && name != "PARSE_TIME" && !fmtHasYear(lit.val) {
			fmtArg = &litExpr{at: lit.at, kind: "STRING", val: "%Y " + lit.val}
			val = "('1970 ' || " + val + ")"
		}
		p := "strptime(" + val + ", " + pr.parseFmt(f.at, fmtArg) + ")"
		switch name {
		case "PARSE_DATE":
			return "CAST(" + p + " AS DATE)", true
		case "PARSE_DATETIME":
			return "CAST(" + p + " AS TIMESTAMP)", true
		case "PARSE_TIME":
			return "CAST(" + p + " AS TIME)", true
		}
		if lit, ok := f.args[0].(*litExpr); ok && strings.Contains(lit.val, "%z") {
			return "CAST(" + p + " AS TIMESTAMPTZ)", true
		}
		tz := "'UTC'"
		if len(f.args) == 3 {
			tz = pr.expr(f.args[2])
		}
		return "timezone(" + tz + ", CAST(" + p + " AS TIMESTAMP))", true
	case "TIMESTAMP_SECONDS":
		a := pr.args(f, 1, 1)
		return "CAST(make_timestamp(CAST(" + a[0] + " AS BIGINT) * 1000000) AS TIMESTAMPTZ)", true
	case "TIMESTAMP_MILLIS":
		a := pr.args(f, 1, 1)
		return "CAST(make_timestamp(CAST(" + a[0] + " AS BIGINT) * 1000) AS TIMESTAMPTZ)", true
	case "TIMESTAMP_MICROS":
		a := pr.args(f, 1, 1)
		return "CAST(make_timestamp(CAST(" + a[0] + " AS BIGINT)) AS TIMESTAMPTZ)", true
	case "UNIX_SECONDS":
		a := pr.args(f, 1, 1)
		return "CAST(floor(epoch_us(CAST(" + a[0] + " AS TIMESTAMPTZ)) / 1000000) AS BIGINT)", true
	case "UNIX_MILLIS":
		a := pr.args(f, 1, 1)
		return "CAST(floor(epoch_us(CAST(" + a[0] + " AS TIMESTAMPTZ)) / 1000) AS BIGINT)", true
	case "UNIX_MICROS":
		a := pr.args(f, 1, 1)
		return "epoch_us(CAST(" + a[0] + " AS TIMESTAMPTZ))", true
	case "UNIX_DATE":
		a := pr.args(f, 1, 1)
		return "date_diff('day', CAST('1970-01-01' AS DATE), CAST(" + a[0] + " AS DATE))", true
	case "DATE_FROM_UNIX_DATE":
		a := pr.args(f, 1, 1)
		return "(CAST('1970-01-01' AS DATE) + CAST(" + a[0] + " AS INTEGER))", true
	case "LAST_DAY":
		a := pr.argsPart(f, 1, 2, 1)
		if len(f.args) == 2 {
			part, _ := pr.partName(f.args[1])
			switch part {
			case "MONTH":
			case "YEAR":
				return "make_date(year(" + a[0] + "), 12, 31)", true
			default:
				pr.unsupported(f.at, "LAST_DAY with date part "+part)
			}
		}
		return "last_day(CAST(" + a[0] + " AS DATE))", true
	}
	return "", false
}

// weekDiff counts week boundaries between y and x for weeks starting k days before Monday.
func weekDiff(y, x string, k int) string {
	return "(date_diff('day', date_trunc('week', " + shift(y, k) + "), date_trunc('week', " + shift(x, k) + ")) // 7)"
}

func shift(x string, k int) string {
	if k == 0 {
		return x
	}
	return "(" + x + " + INTERVAL " + itoa(k) + " DAY)"
}

func itoa(n int) string {
	return strconv.Itoa(n)
}

// isTZArg guesses whether a DATETIME second argument is a time zone (string) rather than a TIME.
func isTZArg(x expr) bool {
	switch x := x.(type) {
	case *litExpr:
		return x.kind == "STRING"
	case *paramExpr:
		return true
	}
	return false
}

func (pr *printer) now() string {
	if !pr.opts.Now.IsZero() {
		return "CAST(" + qstr(pr.opts.Now.UTC().Format("2006-01-02 15:04:05.999999")+"+00") + " AS TIMESTAMPTZ)"
	}
	return "get_current_timestamp()"
}

// parseFmt translates a PARSE_* format; %E*S (seconds with optional fraction) becomes a list of
// DuckDB formats tried in order.
func (pr *printer) parseFmt(a at, x expr) string {
	lit, ok := x.(*litExpr)
	if !ok || lit.kind != "STRING" || !strings.Contains(lit.val, "%E*S") {
		return pr.fmtString(a, x)
	}
	with := pr.fmtString(a, &litExpr{at: lit.at, kind: "STRING", val: strings.ReplaceAll(lit.val, "%E*S", "%E6S")})
	without := pr.fmtString(a, &litExpr{at: lit.at, kind: "STRING", val: strings.ReplaceAll(lit.val, "%E*S", "%S")})
	return "[" + with + ", " + without + "]"
}

// fmtHasYear reports whether a format string sets the year (or the whole instant: %s).
func fmtHasYear(f string) bool {
	for i := 0; i+1 < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		j := i + 1
		if f[j] == 'E' || f[j] == 'O' {
			if j+1 < len(f) && f[j+1] == '*' {
				j++
			}
			j++
			for j < len(f) && f[j] >= '0' && f[j] <= '9' {
				j++
			}
		}
		if j < len(f) && strings.IndexByte("YyCGgFDxcsv", f[j]) >= 0 {
			return true
		}
		i = j
	}
	return false
}
