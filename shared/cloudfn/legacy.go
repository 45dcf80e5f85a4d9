package cloudfn

// Legacy bodies: what functions.CloudEvent accepts besides CloudEvents, so
// that moving to this wrapper takes nothing away. The mapping follows
// functions-framework-go v1.9.2 (funcframework/events.go,
// convertBackgroundToCloudEventRequest; Apache 2.0), which the conformance
// client checks: a background event ({"data":…, "context":{…}} or the flat
// form with eventId at the top) or a Pub/Sub push body ({"message":…,
// "subscription":…}, topic taken from the request path
// …/projects/P/topics/T) becomes the CloudEvent Eventarc would send.
// Differences, on purpose: numbers in data keep their exact digits (the
// framework rounds them through float64), and a push body keeps its
// subscription in data, as Eventarc's MessagePublishedData has it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"cloud.google.com/go/functions/metadata"
	cloudevents "github.com/cloudevents/sdk-go/v2"
)

const (
	firebaseAuthService = "firebaseauth.googleapis.com"
	firebaseService     = "firebase.googleapis.com"
	firebaseDBService   = "firebasedatabase.googleapis.com"
	firestoreService    = "firestore.googleapis.com"
	pubSubService       = "pubsub.googleapis.com"
	storageService      = "storage.googleapis.com"

	pubsubLegacyEventType = "google.pubsub.topic.publish"
	// The framework's own spelling, kept so converted events match it.
	pubsubLegacyMessageType = "type.googleapis.com/google.pubusb.v1.PubsubMessage"
)

var (
	legacyTypeToCloudEvent = map[string]string{
		"google.pubsub.topic.publish":                              "google.cloud.pubsub.topic.v1.messagePublished",
		"providers/cloud.pubsub/eventTypes/topic.publish":          "google.cloud.pubsub.topic.v1.messagePublished",
		"google.storage.object.finalize":                           "google.cloud.storage.object.v1.finalized",
		"google.storage.object.delete":                             "google.cloud.storage.object.v1.deleted",
		"google.storage.object.archive":                            "google.cloud.storage.object.v1.archived",
		"google.storage.object.metadataUpdate":                     "google.cloud.storage.object.v1.metadataUpdated",
		"providers/cloud.firestore/eventTypes/document.write":      "google.cloud.firestore.document.v1.written",
		"providers/cloud.firestore/eventTypes/document.create":     "google.cloud.firestore.document.v1.created",
		"providers/cloud.firestore/eventTypes/document.update":     "google.cloud.firestore.document.v1.updated",
		"providers/cloud.firestore/eventTypes/document.delete":     "google.cloud.firestore.document.v1.deleted",
		"providers/firebase.auth/eventTypes/user.create":           "google.firebase.auth.user.v1.created",
		"providers/firebase.auth/eventTypes/user.delete":           "google.firebase.auth.user.v1.deleted",
		"providers/google.firebase.analytics/eventTypes/event.log": "google.firebase.analytics.log.v1.written",
		"providers/google.firebase.database/eventTypes/ref.create": "google.firebase.database.ref.v1.created",
		"providers/google.firebase.database/eventTypes/ref.write":  "google.firebase.database.ref.v1.written",
		"providers/google.firebase.database/eventTypes/ref.update": "google.firebase.database.ref.v1.updated",
		"providers/google.firebase.database/eventTypes/ref.delete": "google.firebase.database.ref.v1.deleted",
		"providers/cloud.storage/eventTypes/object.change":         "google.cloud.storage.object.v1.finalized",
	}

	// legacyServicePrefixes maps an event type prefix to its service, for
	// events whose resource does not name one. Checked in this order.
	legacyServicePrefixes = []struct{ prefix, service string }{
		{"providers/cloud.firestore/", firestoreService},
		{"providers/google.firebase.analytics/", firebaseService},
		{"providers/firebase.auth/", firebaseAuthService},
		{"providers/google.firebase.database/", firebaseDBService},
		{"providers/cloud.pubsub/", pubSubService},
		{"providers/cloud.storage/", storageService},
		{"google.pubsub", pubSubService},
		{"google.storage", storageService},
	}

	// resourceSplit splits a background resource into the CloudEvent
	// source's resource and the subject.
	resourceSplit = map[string]*regexp.Regexp{
		firebaseService:   regexp.MustCompile(`^(projects/[^/]+)/(events/[^/]+)$`),
		firebaseDBService: regexp.MustCompile(`^projects/_/(instances/[^/]+)/(refs/.+)$`),
		firestoreService:  regexp.MustCompile(`^(projects/[^/]+/databases/\(default\))/(documents/.+)$`),
		storageService:    regexp.MustCompile(`^(projects/_/buckets/[^/]+)/(objects/.+)$`),
	}

	topicInPath = regexp.MustCompile(`(projects/[^/?]+/topics/[^/?]+)/*`)
)

// legacyBody is the union of the two legacy shapes; only the fields present
// in the body are set.
type legacyBody struct {
	// background event
	Data    json.RawMessage    `json:"data"`
	Context *metadata.Metadata `json:"context"`
	// Pub/Sub push
	Message      *pushMessage `json:"message"`
	Subscription string       `json:"subscription"`
}

type pushMessage struct {
	MessageID   string            `json:"messageId"`
	Data        []byte            `json:"data"`
	Attributes  map[string]string `json:"attributes"`
	PublishTime time.Time         `json:"publishTime"`
}

const legacyHelp = "send a CloudEvent (ce-* headers, or Content-Type application/cloudevents+json), " +
	`a background event {"data":…,"context":{"eventId","timestamp","eventType","resource"}} ` +
	`or a Pub/Sub push body {"message":{…},"subscription":"…"}`

// decodeLegacy converts a request that carries no CloudEvent headers.
func decodeLegacy(r *http.Request) (*cloudevents.Event, error) {
	if r.Body == nil {
		return nil, fmt.Errorf("empty request: %s", legacyHelp)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	return convertLegacy(body, r.URL.Path)
}

// convertLegacy is decodeLegacy on a read body.
func convertLegacy(body []byte, path string) (*cloudevents.Event, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("empty body and no CloudEvent headers: %s", legacyHelp)
	}
	var b legacyBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("no CloudEvent headers and the body is not a legacy event (%s): %s", jsonErr(err), legacyHelp)
	}
	if isNull(b.Data) && b.Message != nil {
		return convertPush(b, path)
	}
	if isNull(b.Data) {
		return nil, fmt.Errorf(`no CloudEvent headers and the body has no "data" or "message": %s`, legacyHelp)
	}
	md := b.Context
	if md == nil {
		md = new(metadata.Metadata)
		if err := json.Unmarshal(body, md); err != nil {
			return nil, fmt.Errorf("background event metadata: %s: %s", jsonErr(err), legacyHelp)
		}
		if md.EventID == "" {
			return nil, fmt.Errorf(`background event without "context" or "eventId": %s`, legacyHelp)
		}
	}
	return convertBackground(md, b.Data, body)
}

// convertPush turns a Pub/Sub push body into a background event first, as
// the framework does, then into a CloudEvent.
func convertPush(b legacyBody, path string) (*cloudevents.Event, error) {
	topic := ""
	if m := topicInPath.FindStringSubmatch(path); m != nil {
		topic = m[1]
	}
	ts := b.Message.PublishTime
	if ts.IsZero() {
		ts = time.Now()
	}
	md := &metadata.Metadata{EventID: b.Message.MessageID, Timestamp: ts, EventType: pubsubLegacyEventType,
		Resource: &metadata.Resource{Name: topic, Type: pubsubLegacyMessageType, Service: pubSubService}}
	data, err := json.Marshal(map[string]any{"@type": pubsubLegacyMessageType, "data": b.Message.Data, "attributes": b.Message.Attributes})
	if err != nil {
		return nil, err
	}
	e, err := convertBackground(md, data, nil)
	if err != nil {
		return nil, err
	}
	if b.Subscription != "" {
		var d map[string]json.RawMessage
		if err := json.Unmarshal(e.Data(), &d); err == nil {
			d["subscription"], _ = json.Marshal(b.Subscription)
			if err := e.SetData(cloudevents.ApplicationJSON, d); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// convertBackground maps a background event to its CloudEvent. body is the
// whole request (for the Firebase Realtime Database domain), nil for push.
func convertBackground(md *metadata.Metadata, rawData json.RawMessage, body []byte) (*cloudevents.Event, error) {
	ceType, ok := legacyTypeToCloudEvent[md.EventType]
	if !ok {
		return nil, fmt.Errorf("background event type %q has no CloudEvent equivalent (known: Pub/Sub, Cloud Storage, Firestore, Firebase)", md.EventType)
	}
	var res metadata.Resource
	if md.Resource != nil {
		res = *md.Resource
	}
	service := res.Service
	if service == "" {
		for _, p := range legacyServicePrefixes {
			if strings.HasPrefix(md.EventType, p.prefix) {
				service = p.service
				break
			}
		}
	}
	resource := res.Name
	if resource == "" {
		resource = res.RawPath
	}
	subject := ""
	if re, ok := resourceSplit[service]; ok {
		m := re.FindStringSubmatch(resource)
		if m == nil {
			return nil, fmt.Errorf("background event resource %q does not match %s for %s", resource, re, service)
		}
		resource, subject = m[1], m[2]
	}

	var data any
	dec := json.NewDecoder(bytes.NewReader(rawData))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, fmt.Errorf("background event data: %s", jsonErr(err))
	}
	source := "//" + service + "/" + resource

	switch service {
	case pubSubService:
		d, ok := data.(map[string]any)
		if !ok {
			return nil, fmt.Errorf(`Pub/Sub background event: "data" must be an object (the message), got %s`, truncate(rawData, 80))
		}
		d["publishTime"] = md.Timestamp
		d["messageId"] = md.EventID
		data = map[string]any{"message": d}
		// The function reads the message as MessagePublishedData, whose data
		// is base64: a payload that is not is refused here, not handed on
		// (found by FuzzDecode: {"data":{"data":"0"},...}).
		if b, err := json.Marshal(data); err == nil {
			var m struct {
				Message struct {
					Data []byte `json:"data"`
				} `json:"message"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf(`Pub/Sub background event: "data" must be the message with its payload base64-encoded in "data": %s`, jsonErr(err))
			}
		}
	case firebaseAuthService:
		if d, ok := data.(map[string]any); ok {
			if m, ok := d["metadata"].(map[string]any); ok {
				for from, to := range map[string]string{"createdAt": "createTime", "lastSignedInAt": "lastSignInTime"} {
					if v, ok := m[from]; ok {
						m[to] = v
						delete(m, from)
					}
				}
			}
			if uid, ok := d["uid"]; ok {
				subject = fmt.Sprintf("users/%v", uid)
			}
		}
	case firebaseDBService:
		var dom struct {
			Domain string `json:"domain"`
		}
		if len(body) > 0 {
			if err := json.Unmarshal(body, &dom); err != nil {
				return nil, fmt.Errorf("Firebase Realtime Database event domain: %s", jsonErr(err))
			}
		}
		location := "us-central1"
		if dom.Domain != "firebaseio.com" {
			parts := strings.SplitN(dom.Domain, ".", 2)
			if len(parts) != 2 {
				return nil, fmt.Errorf("Firebase Realtime Database event: domain %q is not LOCATION.DOMAIN", dom.Domain)
			}
			location = parts[0]
		}
		source = "//" + service + "/projects/_/locations/" + location + "/" + resource
	}

	e := cloudevents.NewEvent()
	e.SetID(md.EventID)
	e.SetType(ceType)
	e.SetSource(source)
	if !md.Timestamp.IsZero() {
		e.SetTime(md.Timestamp)
	}
	if subject != "" {
		e.SetSubject(subject)
	}
	if err := e.SetData(cloudevents.ApplicationJSON, data); err != nil {
		return nil, fmt.Errorf("background event data: %w", err)
	}
	return &e, nil
}

func isNull(b json.RawMessage) bool {
	t := bytes.TrimSpace(b)
	return len(t) == 0 || string(t) == "null"
}

func jsonErr(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	}
	return err.Error()
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
