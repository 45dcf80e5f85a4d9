package dlp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/genproto/googleapis/type/timeofday"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// valueText renders a Value as DLP inspects it.
func valueText(v *dlppb.Value) string {
	switch x := v.GetType().(type) {
	case *dlppb.Value_StringValue:
		return x.StringValue
	case *dlppb.Value_IntegerValue:
		return strconv.FormatInt(x.IntegerValue, 10)
	case *dlppb.Value_FloatValue:
		return strconv.FormatFloat(x.FloatValue, 'f', -1, 64)
	case *dlppb.Value_BooleanValue:
		return strconv.FormatBool(x.BooleanValue)
	case *dlppb.Value_TimestampValue:
		return x.TimestampValue.AsTime().UTC().Format(time.RFC3339Nano)
	case *dlppb.Value_DateValue:
		d := x.DateValue
		return fmt.Sprintf("%04d-%02d-%02d", d.GetYear(), d.GetMonth(), d.GetDay())
	case *dlppb.Value_TimeValue:
		t := x.TimeValue
		return fmt.Sprintf("%02d:%02d:%02d", t.GetHours(), t.GetMinutes(), t.GetSeconds())
	case *dlppb.Value_DayOfWeekValue:
		return x.DayOfWeekValue.String()
	}
	return ""
}

func strValue(s string) *dlppb.Value {
	return &dlppb.Value{Type: &dlppb.Value_StringValue{StringValue: s}}
}
func intValue(i int64) *dlppb.Value {
	return &dlppb.Value{Type: &dlppb.Value_IntegerValue{IntegerValue: i}}
}

// number extracts a numeric value (integers, floats, numeric strings).
func number(v *dlppb.Value) (float64, bool) {
	switch x := v.GetType().(type) {
	case *dlppb.Value_IntegerValue:
		return float64(x.IntegerValue), true
	case *dlppb.Value_FloatValue:
		return x.FloatValue, true
	case *dlppb.Value_StringValue:
		f, err := strconv.ParseFloat(strings.TrimSpace(x.StringValue), 64)
		return f, err == nil
	}
	return 0, false
}

var dateLayouts = []string{"2006-01-02", "01/02/2006", "1/2/2006", "2006/01/02", "02.01.2006"}

// asTime extracts a time from dates, timestamps and date strings; layout is
// the string layout it was parsed with ("" for typed values).
func asTime(v *dlppb.Value) (time.Time, string, bool) {
	switch x := v.GetType().(type) {
	case *dlppb.Value_TimestampValue:
		return x.TimestampValue.AsTime().UTC(), "", true
	case *dlppb.Value_DateValue:
		d := x.DateValue
		return time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC), "", true
	case *dlppb.Value_StringValue:
		s := strings.TrimSpace(x.StringValue)
		for _, l := range append([]string{time.RFC3339Nano}, dateLayouts...) {
			if t, err := time.Parse(l, s); err == nil {
				return t, l, true
			}
		}
	}
	return time.Time{}, "", false
}

func timeLike(orig *dlppb.Value, t time.Time, layout string) *dlppb.Value {
	switch orig.GetType().(type) {
	case *dlppb.Value_TimestampValue:
		return &dlppb.Value{Type: &dlppb.Value_TimestampValue{TimestampValue: timestamppb.New(t)}}
	case *dlppb.Value_DateValue:
		return &dlppb.Value{Type: &dlppb.Value_DateValue{DateValue: &date.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())}}}
	}
	return strValue(t.Format(layout))
}

var _ = timeofday.TimeOfDay{}

// compareValues orders two Values: numbers numerically, times
// chronologically, everything else as text.
func compareValues(a, b *dlppb.Value) int {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	if ta, _, ok := asTime(a); ok {
		if tb, _, ok := asTime(b); ok {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(valueText(a), valueText(b))
}

func formatBound(v *dlppb.Value) string {
	if f, ok := number(v); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return valueText(v)
}
