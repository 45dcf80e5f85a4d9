// Command conformance is the function the official Functions Framework
// conformance client tests (.ci/conformance runs it): an echo that writes
// each CloudEvent it receives, as JSON, to function_output.json in its
// working directory. It is registered through shared/cloudfn, the wrapper
// every sluice CloudEvent function uses, so the client checks that
// wrapper's decoding. -framework registers the same echo with
// functions.CloudEvent instead, to compare against the framework's own path.
//
// It serves FUNCTION_TARGET (default Echo) at / on localhost:$PORT (default
// 8080), as the client expects. Not part of the deployable bundle.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/sluice-data/sluice/shared/cloudfn"
)

const outputFile = "function_output.json"

func main() {
	framework := flag.Bool("framework", false, "register with functions.CloudEvent (the framework's own path) instead of cloudfn")
	sleep := flag.Duration("sleep", 0, "sleep this long in each call (the client's -validate-concurrency wants 1s)")
	flag.Parse()
	echo := func(ctx context.Context, e cloudevents.Event) error {
		time.Sleep(*sleep)
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("conformance: marshal CloudEvent: %w", err)
		}
		if err := os.WriteFile(outputFile, b, 0o644); err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
		return nil
	}
	name := os.Getenv("FUNCTION_TARGET")
	if name == "" {
		name = "Echo"
		os.Setenv("FUNCTION_TARGET", name)
	}
	if *framework {
		functions.CloudEvent(name, echo)
	} else {
		cloudfn.Register(name, echo)
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if err := funcframework.StartHostPort("localhost", port); err != nil {
		log.Fatalf("conformance: %v", err)
	}
}
