// Package pipeline holds the example web-shop pipeline: pipeline.yaml and the
// SQL models. The files are embedded so that every deployed function carries
// the exact config it was built with: a deploy is a version.
package pipeline

import "embed"

// Files is pipeline.yaml plus models/*.sql.
//
//go:embed pipeline.yaml models/*.sql
var Files embed.FS
