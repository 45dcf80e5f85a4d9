// Package export is the export function: on mask.completed (a Pub/Sub
// message) or on its Cloud Scheduler timer (a dev.sluice.schedule.v1.fired
// CloudEvent) it runs each export query over the published dataset and
// writes the file to the export bucket, then announces export.completed.
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/sluice-data/sluice/shared/cloudfn"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
	"github.com/sluice-data/sluice/shared/logging"
)

// EntryPoint is the name Cloud Functions and the local router call.
const EntryPoint = "Export"

func init() {
	cloudfn.Register(EntryPoint, Handle)
}

var (
	clients gcp.Cache
	log     = logging.New(logging.Stdout, slog.LevelInfo)
)

// Handle is the CloudEvent entry point.
func Handle(ctx context.Context, e cloudevents.Event) error {
	var runID, runDate, trigger string
	switch e.Type() {
	case events.TypePubSubPublished:
		var msg events.MessagePublishedData
		var done events.MaskCompletedData
		if err := json.Unmarshal(e.Data(), &msg); err != nil {
			return cloudfn.Permanent(fmt.Errorf("export: event %s: data is not a Pub/Sub message: %w", e.ID(), err))
		}
		if err := json.Unmarshal(msg.Message.Data, &done); err != nil || done.RunID == "" {
			return cloudfn.Permanent(fmt.Errorf("export: event %s, message %s: not a mask.completed payload (a JSON object with run_id)", e.ID(), msg.Message.MessageID))
		}
		runID, runDate, trigger = done.RunID, done.RunDate, "mask.completed"
	case events.TypeScheduleFired:
		var d events.ScheduleFiredData
		if len(e.Data()) > 0 {
			if err := json.Unmarshal(e.Data(), &d); err != nil {
				return cloudfn.Permanent(fmt.Errorf("export: event %s: schedule body is not JSON: %w", e.ID(), err))
			}
		}
		now := time.Now().UTC()
		runID, runDate, trigger = events.NewRunID(now), now.Format("2006-01-02"), "schedule"
		if d.RunDate != "" {
			runDate = d.RunDate
		}
	default:
		return cloudfn.Permanent(fmt.Errorf("export: event %s: type %q is neither %s nor %s", e.ID(), e.Type(), events.TypePubSubPublished, events.TypeScheduleFired))
	}
	c, err := clients.Get(ctx)
	if err != nil {
		return fmt.Errorf("export: clients: %w", err)
	}
	x := &Exporter{BigQuery: c.BigQuery, Storage: c.Storage, PubSub: c.PubSub, Pipeline: c.Pipeline, Names: c.Names, Now: time.Now, Log: log}
	if _, err := x.Run(ctx, runID, runDate, trigger); err != nil {
		log.Error("export failed", "run_id", runID, "error", err.Error())
		return err
	}
	return nil
}
