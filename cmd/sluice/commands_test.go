package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
)

// TestEveryCommandHasJSON walks the command table: every command a person
// runs has a --json flag (its -h output lists it) and its usage line says so.
func TestEveryCommandHasJSON(t *testing.T) {
	for _, c := range commands {
		if c.internal {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			f, err := os.CreateTemp(t.TempDir(), "help")
			if err != nil {
				t.Fatal(err)
			}
			stderr := os.Stderr
			os.Stderr = f
			err = c.run(append(append([]string(nil), c.helpArgs...), "-h"))
			os.Stderr = stderr
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("sluice %s -h: %v, want flag.ErrHelp", c.name, err)
			}
			f.Seek(0, io.SeekStart)
			help, _ := io.ReadAll(f)
			if !strings.Contains(string(help), "-json") {
				t.Errorf("sluice %s has no --json flag; its flags:\n%s", c.name, help)
			}
			line := ""
			for _, l := range strings.Split(usage, "\n") {
				if strings.HasPrefix(l, "  sluice "+c.name+" ") || l == "  sluice "+c.name {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("the usage text has no line for sluice %s", c.name)
			}
			if !strings.Contains(line, "--json") {
				t.Errorf("the usage line of sluice %s does not show --json: %q", c.name, line)
			}
		})
	}
}

// TestEmulatorJSON: `sluice emulator KIND --json` prints its endpoints as
// one JSON object, and the Pub/Sub one answers at the address it printed.
func TestEmulatorJSON(t *testing.T) {
	for _, c := range []struct {
		kind string
		keys []string
	}{
		{"pubsub", []string{"PUBSUB_EMULATOR_HOST"}},
		{"dlp", []string{"DLP_EMULATOR_HOST", "DLP_EMULATOR_REST_URL"}},
		{"kms", []string{"KMS_EMULATOR_HOST"}},
	} {
		t.Run(c.kind, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			r, w := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- runEmulator(ctx, w, c.kind, emulatorOptions{addr: "127.0.0.1:0", restAddr: "127.0.0.1:0", asJSON: true})
				w.Close()
			}()
			defer func() {
				cancel()
				go io.Copy(io.Discard, r)
				if err := <-done; err != nil {
					t.Errorf("runEmulator: %v", err)
				}
			}()
			line, err := bufio.NewReader(r).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatalf("sluice emulator %s --json printed %q: %v", c.kind, line, err)
			}
			if len(got) != len(c.keys) {
				t.Errorf("sluice emulator %s --json: %v, want the keys %v", c.kind, got, c.keys)
			}
			for _, k := range c.keys {
				if got[k] == "" {
					t.Errorf("sluice emulator %s --json: no %s in %v", c.kind, k, got)
				}
			}
			if c.kind == "pubsub" {
				t.Setenv("PUBSUB_EMULATOR_HOST", got["PUBSUB_EMULATOR_HOST"])
				pc, err := pubsub.NewClient(ctx, "p")
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				if _, err := pc.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: "projects/p/topics/t"}); err != nil {
					t.Errorf("CreateTopic at the printed address: %v", err)
				}
			}
		})
	}
}
