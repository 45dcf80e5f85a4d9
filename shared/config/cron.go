package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed five-field cron expression (minute hour day-of-month month
// day-of-week), the unix-cron format Cloud Scheduler accepts. Names such as
// MON or JAN and the @hourly shorthands are not supported.
type Cron struct {
	expr                       string
	min, hour, dom, month, dow uint64 // bit sets
	domStar, dowStar           bool
}

var cronFields = []struct {
	name     string
	min, max int
}{{"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31}, {"month", 1, 12}, {"day of week", 0, 6}}

// ParseCron parses expr or returns an error naming the bad field.
func ParseCron(expr string) (*Cron, error) {
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return nil, fmt.Errorf("cron %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", expr, len(parts))
	}
	c := &Cron{expr: expr, domStar: parts[2] == "*", dowStar: parts[4] == "*"}
	sets := []*uint64{&c.min, &c.hour, &c.dom, &c.month, &c.dow}
	for i, p := range parts {
		f := cronFields[i]
		max := f.max
		if i == 4 {
			max = 7 // 7 is Sunday too
		}
		for _, item := range strings.Split(p, ",") {
			lo, hi, step := f.min, max, 1
			rng := item
			if r, s, ok := strings.Cut(item, "/"); ok {
				n, err := strconv.Atoi(s)
				if err != nil || n <= 0 {
					return nil, fmt.Errorf("cron %q: %s: bad step %q", expr, f.name, s)
				}
				rng, step = r, n
			}
			if rng != "*" {
				a, b, isRange := strings.Cut(rng, "-")
				x, err := strconv.Atoi(a)
				if err != nil {
					return nil, fmt.Errorf("cron %q: %s: %q is not a number", expr, f.name, a)
				}
				lo, hi = x, x
				if isRange {
					if hi, err = strconv.Atoi(b); err != nil {
						return nil, fmt.Errorf("cron %q: %s: %q is not a number", expr, f.name, b)
					}
				} else if step > 1 {
					hi = max
				}
			}
			if lo < f.min || hi > max || lo > hi {
				return nil, fmt.Errorf("cron %q: %s: %q is outside %d-%d", expr, f.name, item, f.min, f.max)
			}
			for v := lo; v <= hi; v += step {
				if i == 4 && v == 7 {
					v = 0
					*sets[i] |= 1
					break
				}
				*sets[i] |= 1 << uint(v)
				if hi-v < step {
					break // v += step would pass hi, or overflow for a huge step (found by FuzzCron)
				}
			}
		}
	}
	return c, nil
}

// String returns the expression as written.
func (c *Cron) String() string { return c.expr }

// Next returns the first whole minute strictly after t that matches, in t's
// location (Cloud Scheduler jobs carry their own time zone; sluice uses UTC).
func (c *Cron) Next(t time.Time) time.Time {
	t = t.Truncate(time.Minute).Add(time.Minute)
	for limit := 0; limit < 366*24*60; limit++ {
		if c.month&(1<<uint(t.Month())) == 0 {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location())
			continue
		}
		if !c.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
			continue
		}
		if c.hour&(1<<uint(t.Hour())) == 0 {
			t = t.Truncate(time.Hour).Add(time.Hour)
			continue
		}
		if c.min&(1<<uint(t.Minute())) == 0 {
			t = t.Add(time.Minute)
			continue
		}
		return t
	}
	return time.Time{}
}

// dayMatches follows cron: when both day fields are restricted, either may match.
func (c *Cron) dayMatches(t time.Time) bool {
	dom := c.dom&(1<<uint(t.Day())) != 0
	dow := c.dow&(1<<uint(t.Weekday())) != 0
	switch {
	case c.domStar && c.dowStar:
		return true
	case c.domStar:
		return dow
	case c.dowStar:
		return dom
	}
	return dom || dow
}
