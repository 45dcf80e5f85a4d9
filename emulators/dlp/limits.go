package dlp

import (
	"time"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Documented content limits of the DLP API.
const (
	maxRequestBytes  = 524288 // 0.5 MB default request size limit
	maxTableValues   = 50000  // values per table item
	maxFindingsLimit = 3000   // max_findings_per_request / per item ceiling
	maxTransforms    = 100    // transformations per config (emulator bound)
)

func checkRequestSize(m proto.Message) error {
	if n := proto.Size(m); n > maxRequestBytes {
		return invalid("Request size (%d bytes) exceeds the limit of %d bytes (0.5 MB). Use Cloud Storage or BigQuery inspection jobs for larger content.", n, maxRequestBytes)
	}
	return nil
}

func checkItem(item *dlppb.ContentItem) error {
	if item == nil {
		return invalid("A content item is required.")
	}
	switch {
	case item.GetConversation() != nil:
		return unsupported("item.conversation", "send the conversation's text as a value or table")
	case item.GetBatchContentItem() != nil:
		return unsupported("item.batch_content_item", "send one content item a request")
	case item.GetContentMetadata() != nil:
		return unsupported("item.content_metadata", "metadata properties are not inspected; send the content alone")
	}
	if t := item.GetTable(); t != nil {
		n := 0
		for _, r := range t.GetRows() {
			n += len(r.GetValues())
			if len(t.GetHeaders()) > 0 && len(r.GetValues()) != len(t.GetHeaders()) {
				return invalid("Table row has %d values but the table has %d headers.", len(r.GetValues()), len(t.GetHeaders()))
			}
		}
		if n > maxTableValues {
			return invalid("Too many values in the table: %d. The maximum is %d values per request.", n, maxTableValues)
		}
	}
	if item.GetByteItem() != nil {
		switch item.GetByteItem().GetType() {
		case dlppb.ByteContentItem_TEXT_UTF8, dlppb.ByteContentItem_BYTES_TYPE_UNSPECIFIED, dlppb.ByteContentItem_CSV, dlppb.ByteContentItem_TSV:
		default:
			return unsupported("byte_item.type "+item.GetByteItem().GetType().String(), "images and documents need OCR or parsing this emulator does not have; send TEXT_UTF8, CSV or TSV")
		}
	}
	return nil
}

func timestampOf(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }
