package dlp

import (
	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The table that the SaveFindings action writes. The reference says only
// that "Columns are derived from the Finding object" and that "each column
// in an existing output table must have the same name, type, and mode of a
// field in the Finding object" (OutputStorageConfig.table); its sample
// queries ("Querying Sensitive Data Protection findings in BigQuery") read
// info_type.name, create_time.seconds (so timestamps are records of seconds
// and nanos, not TIMESTAMP columns), UNNEST(location.content_locations)
// and locations.container_name, and record_key.id_values holds the
// identifying fields' values. So the schema is the Finding message mapped
// field by field, with proto (snake_case) names: a message is a RECORD, a
// repeated field REPEATED, a map a REPEATED RECORD of key and value, an
// enum its value's name as a STRING, integers INTEGER, floats FLOAT, bool
// BOOLEAN, string STRING, bytes BYTES.

// findingsSchema is the schema of a findings table (ALL_COLUMNS).
func findingsSchema() bigquery.Schema {
	return messageSchema((&dlppb.Finding{}).ProtoReflect().Descriptor(), 0)
}

const maxSchemaDepth = 12

func messageSchema(md protoreflect.MessageDescriptor, depth int) bigquery.Schema {
	var out bigquery.Schema
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if f := fieldSchema(fd, depth); f != nil {
			out = append(out, f)
		}
	}
	return out
}

func fieldSchema(fd protoreflect.FieldDescriptor, depth int) *bigquery.FieldSchema {
	f := &bigquery.FieldSchema{Name: string(fd.Name())}
	if fd.IsList() || fd.IsMap() {
		f.Repeated = true
	}
	if fd.IsMap() {
		k := fieldSchema(fd.MapKey(), depth+1)
		v := fieldSchema(fd.MapValue(), depth+1)
		k.Repeated, v.Repeated = false, false
		k.Name, v.Name = "key", "value"
		f.Type = bigquery.RecordFieldType
		f.Schema = bigquery.Schema{k, v}
		return f
	}
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if depth >= maxSchemaDepth {
			return nil
		}
		f.Type = bigquery.RecordFieldType
		f.Schema = messageSchema(fd.Message(), depth+1)
		if len(f.Schema) == 0 {
			return nil
		}
	case protoreflect.EnumKind, protoreflect.StringKind:
		f.Type = bigquery.StringFieldType
	case protoreflect.BoolKind:
		f.Type = bigquery.BooleanFieldType
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f.Type = bigquery.FloatFieldType
	case protoreflect.BytesKind:
		f.Type = bigquery.BytesFieldType
	default:
		f.Type = bigquery.IntegerFieldType
	}
	return f
}

// findingRow is one finding as a row of the findings table; unset fields
// are NULL.
type findingRow struct {
	f  *dlppb.Finding
	id string
}

func (r findingRow) Save() (map[string]bigquery.Value, string, error) {
	return messageRow(r.f.ProtoReflect(), 0), r.id, nil
}

func messageRow(m protoreflect.Message, depth int) map[string]bigquery.Value {
	out := map[string]bigquery.Value{}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			var entries []bigquery.Value
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				entries = append(entries, map[string]bigquery.Value{"key": scalar(fd.MapKey(), k.Value(), depth), "value": scalar(fd.MapValue(), mv, depth)})
				return true
			})
			out[string(fd.Name())] = entries
		case fd.IsList():
			l := v.List()
			vals := make([]bigquery.Value, 0, l.Len())
			for i := 0; i < l.Len(); i++ {
				if x := scalar(fd, l.Get(i), depth); x != nil {
					vals = append(vals, x)
				}
			}
			out[string(fd.Name())] = vals
		default:
			if x := scalar(fd, v, depth); x != nil {
				out[string(fd.Name())] = x
			}
		}
		return true
	})
	return out
}

func scalar(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) bigquery.Value {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if depth+1 >= maxSchemaDepth {
			return nil
		}
		return messageRow(v.Message(), depth+1)
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return nil
	case protoreflect.StringKind:
		return v.String()
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return v.Float()
	case protoreflect.BytesKind:
		return append([]byte(nil), v.Bytes()...)
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		return int64(v.Uint())
	default:
		return v.Int()
	}
}
