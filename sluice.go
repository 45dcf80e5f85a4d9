// Package sluice is the deployable bundle: Cloud Functions builds the package
// at the root of the uploaded source, and this one imports every function so
// that each deployed function picks its entry point by name:
//
//	Ingest     CloudEvent  Pub/Sub message published, Cloud Storage object finalized
//	Transform  HTTP        Cloud Scheduler (OIDC) or a manual run
//	Mask       CloudEvent  Pub/Sub message on the transform-completed topic
//	Export     CloudEvent  Pub/Sub message on the mask-completed topic, or Cloud Scheduler
//
// Nothing here or below imports the local emulators.
package sluice

import (
	_ "github.com/sluice-data/sluice/functions/export"
	_ "github.com/sluice-data/sluice/functions/ingest"
	_ "github.com/sluice-data/sluice/functions/mask"
	_ "github.com/sluice-data/sluice/functions/transform"
)
