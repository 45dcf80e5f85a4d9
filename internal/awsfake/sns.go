package awsfake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	goaws "github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/sirupsen/logrus"
)

// SNSNotification is one SNS notification as SNS delivers it to an HTTP(S)
// subscriber (the JSON document of the "Notification" message type).
type SNSNotification struct {
	Type              string `json:"Type"`
	MessageID         string `json:"MessageId"`
	TopicArn          string `json:"TopicArn"`
	Subject           string `json:"Subject"`
	Message           string `json:"Message"`
	Timestamp         string `json:"Timestamp"`
	MessageAttributes map[string]struct {
		Type  string `json:"Type"`
		Value string `json:"Value"`
	} `json:"MessageAttributes"`
}

// SNS is goaws (github.com/Admiral-Piett/goaws, an SNS and SQS fake that
// speaks the query protocol the SDK v2 SNS client uses) served in process,
// plus an HTTP subscriber that records every notification of the topics
// made with CreateTopic and hands it to OnNotify. Fidelity limits are
// goaws's: no auth, no delivery retries, HTTP deliveries happen inside the
// Publish call (so a notification is recorded before Publish returns), and
// its state is process-global (one SNS per process).
type SNS struct {
	URL    string
	Client *sns.Client
	// ARNPrefix is "arn:aws:sns:<region>:<account>:", the value of
	// SLUICE_SNS_TOPIC_ARN_PREFIX for this fake.
	ARNPrefix string

	srv, sub *httptest.Server
	mu       sync.Mutex
	got      map[string][]SNSNotification // by topic name
	onNotify func(topic string, n SNSNotification)
}

var snsOnce sync.Mutex

// NewSNS starts goaws with the named topics, each subscribed by the fake's
// recorder. cfg is the AWS config the client is built from (credentials
// are not checked).
func NewSNS(ctx context.Context, cfg aws.Config, topics ...string) (*SNS, error) {
	if !snsOnce.TryLock() {
		return nil, fmt.Errorf("awsfake: goaws keeps global state: one SNS per process")
	}
	logrus.SetLevel(logrus.WarnLevel)
	goaws.CurrentEnvironment.Region = "us-east-1"
	goaws.CurrentEnvironment.AccountID = "000000000000"
	goaws.CurrentEnvironment.Host = "127.0.0.1"
	s := &SNS{got: map[string][]SNSNotification{}, ARNPrefix: "arn:aws:sns:us-east-1:000000000000:"}
	s.srv = httptest.NewServer(router.New())
	goaws.CurrentEnvironment.Port = s.srv.URL[strings.LastIndexByte(s.srv.URL, ':')+1:]
	s.sub = httptest.NewServer(http.HandlerFunc(s.receive))
	s.URL = s.srv.URL
	s.Client = sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(s.URL) })
	for _, t := range topics {
		if err := s.CreateTopic(ctx, t); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// CreateTopic creates the topic and subscribes the recorder to it.
func (s *SNS) CreateTopic(ctx context.Context, name string) error {
	out, err := s.Client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		return fmt.Errorf("awsfake: sns.CreateTopic(%s): %w", name, err)
	}
	if _, err := s.Client.Subscribe(ctx, &sns.SubscribeInput{TopicArn: out.TopicArn, Protocol: aws.String("http"),
		Endpoint: aws.String(s.sub.URL + "/" + name)}); err != nil {
		return fmt.Errorf("awsfake: sns.Subscribe(%s): %w", name, err)
	}
	return nil
}

// OnNotify is called with every notification, after it is recorded (in
// the publisher's Publish call: keep it short or hand off).
func (s *SNS) OnNotify(f func(topic string, n SNSNotification)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onNotify = f
}

func (s *SNS) receive(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var n SNSNotification
	if err := json.Unmarshal(b, &n); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if n.Type != "Notification" { // SubscriptionConfirmation: nothing to confirm in goaws
		return
	}
	topic := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	s.got[topic] = append(s.got[topic], n)
	f := s.onNotify
	s.mu.Unlock()
	if f != nil {
		f(topic, n)
	}
}

// Notifications returns what the topic delivered so far.
func (s *SNS) Notifications(topic string) []SNSNotification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SNSNotification(nil), s.got[topic]...)
}

// Close stops the servers.
func (s *SNS) Close() {
	s.srv.Close()
	s.sub.Close()
}
