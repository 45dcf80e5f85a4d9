package dlp

import (
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// A realistic support-ticket paragraph (not from the generator): what is
// found, and what must not be (versions, build and ticket ids, ISBN, UUID,
// coordinates, ratios, expiry dates).
func TestRealisticText(t *testing.T) {
	text := `Hi team, on Monday 3 March 2025 at 14:05 the deploy of v1.24.3 to prod-eu-west1 failed (build #48213, commit a1b2c3d).
Customer John Smith (john.smith@acme-corp.com, +1 (415) 555-0199) reported that order ORD-2024-000123 for $1,299.00 never arrived at 742 Evergreen Terrace, Springfield, IL 62704.
His card ending 4242 was charged twice; full number 4242 4242 4242 4242 exp 12/27 CVV 123.
Support agent Priya Patel escalated ticket SUP-88213 to Tier 2. New York office phone 212-555-0123 ext 45.
The API at https://api.acme-corp.com/v2/orders?id=123 returned HTTP 503 from 10.20.30.40 and fe80::1ff:fe23:4567:890a.
Reading: 98.6 F, 120/80 mmHg, Patient aged 47, born 1977-05-14. Invoice INV-2025-0042 total 2,450.00 EUR paid from DE89 3704 0044 0532 0130 00.
Meeting room B-204, floor 12, capacity 16. The Ford Focus VIN 1FADP3F20EL123456 was recalled. Contact Dr. Alvarez or Ms. Chen.
Lat 37.7749, Long -122.4194. ISBN 978-3-16-148410-0. Ratio 3/4. Version 2.0.1.5 rolled back. UUID 123e4567-e89b-12d3-a456-426614174000.`
	want := []string{
		"DATE:3 March 2025",
		"PERSON_NAME:John Smith",
		"EMAIL_ADDRESS:john.smith@acme-corp.com",
		"PHONE_NUMBER:+1 (415) 555-0199",
		"STREET_ADDRESS:742 Evergreen Terrace, Springfield, IL 62704",
		"CREDIT_CARD_NUMBER:4242 4242 4242 4242",
		"PERSON_NAME:Priya Patel",
		"PHONE_NUMBER:212-555-0123",
		"URL:https://api.acme-corp.com/v2/orders?id=123",
		"IP_ADDRESS:10.20.30.40",
		"IP_ADDRESS:fe80::1ff:fe23:4567:890a",
		"AGE:47",
		"DATE:1977-05-14",
		"DATE_OF_BIRTH:1977-05-14",
		"IBAN_CODE:DE89 3704 0044 0532 0130 00",
		"PERSON_NAME:Alvarez",
		"PERSON_NAME:Chen",
	}
	ins, _ := newInspector(&dlppb.InspectConfig{})
	var got []string
	for _, s := range ins.scanText(text) {
		got = append(got, s.it+":"+text[s.start:s.end])
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
