// Package sample generates the web-shop example data: events for the Pub/Sub
// source and JSONL order files for the landing bucket, with personal data in
// them and a few malformed records on purpose. The same seed always gives
// the same bytes, so tests can assert exact counts.
package sample

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// Base is the start of the generated week; nothing reads the clock.
var Base = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Event is one web-shop event as the shop backend publishes it.
type Event struct {
	EventID   string   `json:"event_id"`
	UserID    string   `json:"user_id"`
	EventType string   `json:"event_type"`
	EventTime string   `json:"event_time"`
	Email     string   `json:"email"`
	Phone     string   `json:"phone"`
	IP        string   `json:"ip"`
	Country   string   `json:"country"`
	Channel   string   `json:"channel"`
	Variant   string   `json:"variant"`
	Amount    *float64 `json:"amount"`
	Message   *string  `json:"message"`
}

// Order is one order snapshot in an order file.
type Order struct {
	OrderID   string  `json:"order_id"`
	UserID    string  `json:"user_id"`
	Status    string  `json:"status"`
	Total     float64 `json:"total"`
	Currency  string  `json:"currency"`
	UpdatedAt string  `json:"updated_at"`
	Email     string  `json:"email"`
}

// File is an object to drop into the landing bucket.
type File struct {
	Name string // object name, under orders/
	Data []byte
	// Lines is the number of non-empty lines (records) in the file.
	Lines int
}

// Malformed is a record generated broken on purpose, with the reject reason
// ingest must give it.
type Malformed struct {
	Source  string
	Payload []byte
	Reason  string // reject reason code
}

// Data is one generated data set.
type Data struct {
	Events    [][]byte // message payloads, one event each (malformed included)
	Files     []File
	Malformed []Malformed
	// Good counts the records that must land in raw, per source.
	Good map[string]int
	// Personal is every email, phone and ip in the data: none may be published.
	Personal []string
	// Names is every generated person's "First Last": support messages
	// carry them, and none may be published.
	Names []string
	Users int
	// Customers is the changelog of the shop database's customers table
	// (the CDC source), about n/10 changes.
	Customers *CustomerChanges
}

var (
	countries = []string{"DE", "FR", "GB", "US", "NL", "ES", "IT", "PL", "SE", "BR"}
	channels  = []string{"organic", "paid_search", "social", "email", "referral"}
	variants  = []string{"control", "treatment"}
	firsts    = []string{"Anna", "Ben", "Clara", "David", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Karin", "Liam", "Maria", "Noah", "Olga", "Paul"}
	lasts     = []string{"Schmidt", "Martin", "Smith", "Garcia", "Rossi", "Nowak", "Johansson", "Silva", "Jansen", "Mueller", "Dubois", "Brown"}
	domains   = []string{"example.com", "mail.example.org", "shop.example.net"}
)

// Generate makes events (about n of them) and order files from seed.
func Generate(seed uint64, n int) *Data {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	d := &Data{Good: map[string]int{}}
	personal := map[string]bool{}
	names := map[string]bool{}
	users := max(1, n/20)
	d.Users = users
	type user struct {
		id, email, phone, ip, country, channel, variant, first, last string
		t                                                            time.Time
	}
	us := make([]user, users)
	for i := range us {
		first, last := firsts[r.IntN(len(firsts))], lasts[r.IntN(len(lasts))]
		u := user{
			id:      fmt.Sprintf("u%05d", i+1),
			first:   first,
			last:    last,
			email:   fmt.Sprintf("%s.%s%d@%s", lower(first), lower(last), i+1, domains[r.IntN(len(domains))]),
			phone:   fmt.Sprintf("+1 415-555-%04d", r.IntN(10000)),
			ip:      fmt.Sprintf("%d.%d.%d.%d", 11+r.IntN(200), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
			country: countries[r.IntN(len(countries))],
			channel: channels[r.IntN(len(channels))],
			variant: variants[r.IntN(len(variants))],
			t:       Base.Add(time.Duration(r.IntN(5*24*3600)) * time.Second),
		}
		us[i] = u
		personal[u.email], personal[u.phone], personal[u.ip] = true, true, true
		names[first+" "+last] = true
	}
	var orders []Order
	seq := 0
	emit := func(u *user, typ string, amount *float64, msg *string) {
		seq++
		u.t = u.t.Add(time.Duration(30+r.IntN(3600)) * time.Second)
		e := Event{EventID: fmt.Sprintf("e%07d", seq), UserID: u.id, EventType: typ, EventTime: u.t.Format(time.RFC3339),
			Email: u.email, Phone: u.phone, IP: u.ip, Country: u.country, Channel: u.channel, Variant: u.variant, Amount: amount, Message: msg}
		b, _ := json.Marshal(e)
		d.Events = append(d.Events, b)
		d.Good["events"]++
	}
	for i := range us {
		emit(&us[i], "signup", nil, nil)
	}
	for len(d.Events) < n {
		u := &us[r.IntN(users)]
		switch x := r.IntN(100); {
		case x < 60:
			emit(u, "page_view", nil, nil)
		case x < 80:
			emit(u, "add_to_cart", nil, nil)
		case x < 92:
			conv := 1.0
			if u.variant == "treatment" {
				conv = 1.3
			}
			amt := float64(int((10+r.Float64()*190)*conv*100)) / 100
			emit(u, "purchase", &amt, nil)
			orders = append(orders, Order{OrderID: fmt.Sprintf("o%06d", len(orders)+1), UserID: u.id, Status: "created",
				Total: amt, Currency: "EUR", UpdatedAt: u.t.Format(time.RFC3339), Email: u.email})
		default:
			m := supportMessage(r, u.first, u.last, u.email, u.phone)
			emit(u, "support_message", nil, &m)
		}
	}
	// Malformed on purpose: one of each kind per 5,000 events, at least one.
	for k := 0; k < max(1, n/5000); k++ {
		bad := []Malformed{
			{"events", []byte(fmt.Sprintf(`{"event_id": "bad-json-%d", "user_id": "u00001", "event_type": "page_view"`, k)), "invalid_json"},
			{"events", []byte(fmt.Sprintf(`{"event_id": "bad-type-%d", "user_id": "u00001", "event_type": "purchase", "event_time": "2026-11-02T10:00:00Z", "amount": "abc"}`, k)), "schema_mismatch"},
			{"events", []byte(fmt.Sprintf(`{"user_id": "u00001", "event_type": "page_view", "event_time": "2026-11-02T10:0%d:00Z"}`, k%10)), "missing_event_id"},
		}
		for _, m := range bad {
			d.Events = append(d.Events, m.Payload)
			d.Malformed = append(d.Malformed, m)
		}
	}
	d.Files = orderFiles(r, orders, d)
	d.Customers = Customers(seed, max(20, n/10), users)
	d.Good["customers"] = d.Customers.Changes
	for _, m := range d.Customers.Messages {
		var ev struct {
			Before, After *struct{ Email, Phone string }
		}
		if json.Unmarshal(m.Data, &ev) == nil {
			for _, img := range []*struct{ Email, Phone string }{ev.Before, ev.After} {
				if img != nil {
					personal[img.Email], personal[img.Phone] = true, true
				}
			}
		}
	}
	for p := range personal {
		d.Personal = append(d.Personal, p)
	}
	for n := range names {
		d.Names = append(d.Names, n)
	}
	sort.Strings(d.Personal)
	sort.Strings(d.Names)
	return d
}

// orderFiles writes three days of order snapshots: created, then paid, then
// shipped for most orders, so the latest updated_at must win downstream.
// The last file is gzip-compressed and holds one line with a wrong type.
func orderFiles(r *rand.Rand, orders []Order, d *Data) []File {
	var files []File
	statuses := []string{"created", "paid", "shipped"}
	for day, st := range statuses {
		var buf bytes.Buffer
		lines := 0
		for i, o := range orders {
			if day > 0 && i%(day+3) == 0 {
				continue // not every order moves every day
			}
			o.Status = st
			t, _ := time.Parse(time.RFC3339, o.UpdatedAt)
			o.UpdatedAt = t.Add(time.Duration(day*24) * time.Hour).Format(time.RFC3339)
			b, _ := json.Marshal(o)
			buf.Write(b)
			buf.WriteByte('\n')
			lines++
			d.Good["orders"]++
		}
		name := fmt.Sprintf("orders/orders-%s.jsonl", Base.AddDate(0, 0, 5+day).Format("20060102"))
		if day == len(statuses)-1 {
			bad := []byte(`{"order_id": "o-bad-total", "user_id": "u00001", "status": "paid", "total": "twelve", "currency": "EUR", "updated_at": "2026-11-08T10:00:00Z"}`)
			buf.Write(bad)
			buf.WriteByte('\n')
			lines++
			d.Malformed = append(d.Malformed, Malformed{"orders", bad, "schema_mismatch"})
			var gz bytes.Buffer
			w := gzip.NewWriter(&gz)
			w.Write(buf.Bytes())
			w.Close()
			files = append(files, File{Name: name + ".gz", Data: gz.Bytes(), Lines: lines})
			continue
		}
		files = append(files, File{Name: name, Data: buf.Bytes(), Lines: lines})
	}
	_ = r
	return files
}

func supportMessage(r *rand.Rand, first, last, email, phone string) string {
	return supportMessageKind(r.IntN(4), first, last, email, phone)
}

func supportMessageKind(kind int, first, last, email, phone string) string {
	switch kind {
	case 0:
		// "from" is a name cue for DLP's PERSON_NAME: Clara and Karin are
		// not in the emulator's given-name list, and "this is" is no cue.
		return fmt.Sprintf("Hello from %s %s. Please call me back on %s about my last order.", first, last, phone)
	case 1:
		return fmt.Sprintf("My invoice never arrived, send it to %s please.", email)
	case 2:
		return fmt.Sprintf("I paid with card 4111 1111 1111 1111 but the order shows unpaid. Reach me at %s or %s.", email, phone)
	}
	return "Where is my parcel? It has been a week."
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }
