package sample

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"
)

// Customer is one row of the shop database's customers table. Halfway
// through the changes the table changes shape: loyalty_tier is added and
// credit_limit becomes a decimal (an INT64 column widened to FLOAT64).
type Customer struct {
	ID          int64   `json:"id"`
	UserID      string  `json:"user_id"`
	FullName    string  `json:"full_name"`
	Email       string  `json:"email"`
	Phone       string  `json:"phone"`
	Country     string  `json:"country"`
	CreditLimit float64 `json:"-"` // written by MarshalJSON: integral before the change
	LoyaltyTier string  `json:"-"` // added by the schema change
	widened     bool
}

// MarshalJSON writes the row image as the table's shape at the time of
// the change.
func (c Customer) MarshalJSON() ([]byte, error) {
	m := map[string]any{"id": c.ID, "user_id": c.UserID, "full_name": c.FullName, "email": c.Email, "phone": c.Phone, "country": c.Country}
	if c.widened {
		m["credit_limit"] = json.Number(strconv.FormatFloat(c.CreditLimit, 'f', 2, 64))
		m["loyalty_tier"] = c.LoyaltyTier
	} else {
		m["credit_limit"] = int64(c.CreditLimit)
	}
	return json.Marshal(m)
}

// ChangeMessage is one message as Debezium Server's Pub/Sub sink publishes
// it: the change event's value (payload only, schemas disabled) as data,
// the event's key as the ordering key. A tombstone has data "null".
type ChangeMessage struct {
	Data        []byte
	OrderingKey string
	Tombstone   bool
}

// CustomerChanges is the generated changelog of the customers table.
type CustomerChanges struct {
	// Messages in the order Debezium emitted them (tombstones included).
	Messages []ChangeMessage
	// Changes counts the change events (not tombstones): what lands in
	// raw.customers.
	Changes int
	// Final is the table after every change, by id: what the current-state
	// table must hold.
	Final map[int64]Customer
	// Ops counts the events by op.
	Ops map[string]int
}

// FinalRows is Final sorted by id.
func (cc *CustomerChanges) FinalRows() []Customer {
	out := make([]Customer, 0, len(cc.Final))
	for _, c := range cc.Final {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Widened reports whether the row has the changed shape (loyalty_tier
// set, credit_limit decimal).
func (c Customer) Widened() bool { return c.widened }

// Customers generates n change events of the shop's customers table, as
// Debezium's PostgreSQL connector reports them: a snapshot (op r) of the
// first users customers, then inserts, updates and deletes (each delete
// followed by a tombstone), and halfway the schema change. Customer i has
// user id u%05d, the same ids the events carry, so users can join them.
func Customers(seed uint64, n, users int) *CustomerChanges {
	r := rand.New(rand.NewPCG(seed^0xc0ffee, seed))
	cc := &CustomerChanges{Final: map[int64]Customer{}, Ops: map[string]int{}}
	lsn := int64(24_000_000)
	ts := Base.Add(-24 * time.Hour)
	var nextID int64
	live := []int64{}
	widened := false
	emit := func(op string, before, after *Customer, snapshot bool) {
		// Every snapshot read carries the snapshot's lsn, as Debezium's
		// PostgreSQL connector reports it; each streamed change its own.
		if !snapshot || cc.Changes == 0 {
			lsn += int64(40 + r.IntN(400))
		}
		// The images have the table's shape at the time of the change.
		if before != nil {
			before.widened = widened
		}
		if after != nil {
			after.widened = widened
		}
		ts = ts.Add(time.Duration(1+r.IntN(30000)) * time.Millisecond)
		snap := "false"
		if snapshot {
			snap = "true"
		}
		ev := map[string]any{
			"before": before, "after": after, "op": op, "ts_ms": ts.Add(5 * time.Millisecond).UnixMilli(),
			"source": map[string]any{"version": "2.7.3.Final", "connector": "postgresql", "name": "shop", "ts_ms": ts.UnixMilli(),
				"snapshot": snap, "db": "shop", "schema": "public", "table": "customers", "txId": lsn / 64, "lsn": lsn},
		}
		b, _ := json.Marshal(ev)
		id := int64(0)
		if after != nil {
			id = after.ID
		} else if before != nil {
			id = before.ID
		}
		key := fmt.Sprintf(`{"id":%d}`, id)
		cc.Messages = append(cc.Messages, ChangeMessage{Data: b, OrderingKey: key})
		cc.Changes++
		cc.Ops[op]++
		if op == "d" {
			cc.Messages = append(cc.Messages, ChangeMessage{Data: []byte("null"), OrderingKey: key, Tombstone: true})
		}
	}
	newCustomer := func() Customer {
		nextID++
		first, last := firsts[r.IntN(len(firsts))], lasts[r.IntN(len(lasts))]
		return Customer{ID: nextID, UserID: fmt.Sprintf("u%05d", nextID), FullName: first + " " + last,
			Email:   fmt.Sprintf("%s.%s%d@%s", lower(first), lower(last), nextID, domains[r.IntN(len(domains))]),
			Phone:   fmt.Sprintf("+1 415-555-%04d", r.IntN(10000)),
			Country: countries[r.IntN(len(countries))], CreditLimit: float64(100 * (1 + r.IntN(50))), widened: widened}
	}
	snapshot := min(users, max(1, n/5))
	// The snapshot reads rows at one position, in one transaction.
	for range snapshot {
		c := newCustomer()
		cc.Final[c.ID] = c
		live = append(live, c.ID)
		after := c
		emit("r", nil, &after, true)
	}
	for i := snapshot; i < n; i++ {
		if !widened && i >= snapshot+(n-snapshot)/2 {
			widened = true // ALTER TABLE customers ADD loyalty_tier, ALTER credit_limit TYPE numeric
		}
		switch x := r.IntN(100); {
		case x < 25 || len(live) < 3:
			c := newCustomer()
			if widened {
				c.LoyaltyTier = tiers[r.IntN(len(tiers))]
			}
			cc.Final[c.ID] = c
			live = append(live, c.ID)
			after := c
			emit("c", nil, &after, false)
		case x < 82:
			id := live[r.IntN(len(live))]
			before := cc.Final[id]
			after := before
			after.widened = widened
			switch r.IntN(3) {
			case 0:
				after.Email = fmt.Sprintf("%s%d.%d@%s", lower(firsts[r.IntN(len(firsts))]), id, i, domains[r.IntN(len(domains))])
			case 1:
				after.Country = countries[r.IntN(len(countries))]
			default:
				after.Phone = fmt.Sprintf("+1 415-555-%04d", r.IntN(10000))
			}
			if widened {
				after.CreditLimit = float64(r.IntN(1000000)) / 100
				after.LoyaltyTier = tiers[r.IntN(len(tiers))]
			} else {
				after.CreditLimit = float64(100 * (1 + r.IntN(50)))
			}
			cc.Final[id] = after
			emit("u", &before, &after, false)
		default:
			k := r.IntN(len(live))
			id := live[k]
			live = append(live[:k], live[k+1:]...)
			before := cc.Final[id]
			delete(cc.Final, id)
			emit("d", &before, nil, false)
		}
	}
	return cc
}

var tiers = []string{"bronze", "silver", "gold"}

// Deliver is the messages as an at-least-once transport hands them over:
// dupPct percent of them twice, and outOfOrderPct percent moved later,
// past a few of the messages after them. The same seed gives the same
// order.
func (cc *CustomerChanges) Deliver(seed uint64, dupPct, outOfOrderPct int) []ChangeMessage {
	r := rand.New(rand.NewPCG(seed, seed^0xdeadbeef))
	var out []ChangeMessage
	for _, m := range cc.Messages {
		out = append(out, m)
		if r.IntN(100) < dupPct {
			out = append(out, m)
		}
	}
	for i := len(out) - 1; i >= 0; i-- {
		if r.IntN(100) < outOfOrderPct {
			j := min(len(out)-1, i+1+r.IntN(20))
			m := out[i]
			copy(out[i:j], out[i+1:j+1])
			out[j] = m
		}
	}
	return out
}
