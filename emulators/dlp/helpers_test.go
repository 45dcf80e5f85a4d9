package dlp

import (
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"github.com/sluice-data/sluice/emulators/fault"
)

func faultRule(n, code int) fault.Rule { return fault.Rule{FailFirst: n, Code: code} }

func replaceWithInfoType() *dlppb.PrimitiveTransformation {
	return &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_ReplaceWithInfoTypeConfig{ReplaceWithInfoTypeConfig: &dlppb.ReplaceWithInfoTypeConfig{}}}
}
