package dlp

import (
	"fmt"
	"os"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

func TestAdhoc(t *testing.T) {
	if os.Getenv("ADHOC") == "" {
		t.Skip()
	}
	text := `Hi team, on Monday 3 March 2025 at 14:05 the deploy of v1.24.3 to prod-eu-west1 failed (build #48213, commit a1b2c3d).
Customer John Smith (john.smith@acme-corp.com, +1 (415) 555-0199) reported that order ORD-2024-000123 for $1,299.00 never arrived at 742 Evergreen Terrace, Springfield, IL 62704.
His card ending 4242 was charged twice; full number 4242 4242 4242 4242 exp 12/27 CVV 123.
Support agent Priya Patel escalated ticket SUP-88213 to Tier 2. New York office phone 212-555-0123 ext 45.
The API at https://api.acme-corp.com/v2/orders?id=123 returned HTTP 503 from 10.20.30.40 and fe80::1ff:fe23:4567:890a.
Reading: 98.6 F, 120/80 mmHg, Patient aged 47, born 1977-05-14. Invoice INV-2025-0042 total 2,450.00 EUR paid from DE89 3704 0044 0532 0130 00.
Meeting room B-204, floor 12, capacity 16. The Ford Focus VIN 1FADP3F20EL123456 was recalled. Contact Dr. Alvarez or Ms. Chen.
Lat 37.7749, Long -122.4194. ISBN 978-3-16-148410-0. Ratio 3/4. Version 2.0.1.5 rolled back. UUID 123e4567-e89b-12d3-a456-426614174000.`
	ins, _ := newInspector(&dlppb.InspectConfig{})
	for _, s := range ins.scanText(text) {
		fmt.Printf("%-32s %-12s %q\n", s.it, s.lik, text[s.start:s.end])
	}
}
