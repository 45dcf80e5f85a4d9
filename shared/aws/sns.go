package aws

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/sluice-data/sluice/shared/events"
)

// SNSAPI is the one SNS call the publisher makes.
type SNSAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SNSPublisher publishes stage events to SNS topics: the topic named
// <TopicARNPrefix><deployed topic name>, the payload as the message, and
// "event" and "run_id" as String message attributes, as the Pub/Sub
// publisher sets them. It satisfies events.Publisher.
type SNSPublisher struct {
	Client SNSAPI
	// TopicARNPrefix is "arn:aws:sns:<region>:<account>:" (Terraform
	// creates the topics under the deployed names of pipeline.yaml).
	TopicARNPrefix string
}

// ErrNoTopicARNPrefix: the AWS functions were not told where the topics are.
var ErrNoTopicARNPrefix = fmt.Errorf("no SNS topic ARN prefix: set SLUICE_SNS_TOPIC_ARN_PREFIX to arn:aws:sns:<region>:<account>: (Terraform outputs it)")

// PublishEvent publishes m and returns once SNS has accepted it.
func (p SNSPublisher) PublishEvent(ctx context.Context, m events.Message) error {
	if p.TopicARNPrefix == "" {
		return fmt.Errorf("publish %s: %w", m.Event, ErrNoTopicARNPrefix)
	}
	arn := p.TopicARNPrefix + m.Topic
	str := func(v string) snstypes.MessageAttributeValue {
		return snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	_, err := p.Client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(arn),
		Message:  aws.String(string(m.Data)),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"event": str(m.Event), "run_id": str(m.RunID),
		},
	})
	if err != nil {
		return fmt.Errorf("sns.Publish(%s, %s): %w", arn, m.Event, err)
	}
	return nil
}

// SNSOptions are the switches of NewSNSPublisher.
type SNSOptions struct {
	// Endpoint overrides the SNS endpoint (a local SNS server). The SDK
	// also honours AWS_ENDPOINT_URL_SNS.
	Endpoint string
	// TopicARNPrefix defaults to SLUICE_SNS_TOPIC_ARN_PREFIX.
	TopicARNPrefix string
	// Config replaces the default AWS config when set.
	Config *aws.Config
}

// NewSNSPublisher builds the publisher: in Lambda from the execution role
// through the default credential chain.
func NewSNSPublisher(ctx context.Context, o SNSOptions) (*SNSPublisher, error) {
	prefix := o.TopicARNPrefix
	if prefix == "" {
		prefix = os.Getenv("SLUICE_SNS_TOPIC_ARN_PREFIX")
	}
	if prefix == "" {
		return nil, ErrNoTopicARNPrefix
	}
	if !strings.HasPrefix(prefix, "arn:") || !strings.HasSuffix(prefix, ":") || strings.Count(prefix, ":") != 5 {
		return nil, fmt.Errorf("SLUICE_SNS_TOPIC_ARN_PREFIX %q: want arn:<partition>:sns:<region>:<account>: (with the trailing colon)", prefix)
	}
	var cfg aws.Config
	if o.Config != nil {
		cfg = *o.Config
	} else {
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx); err != nil {
			return nil, fmt.Errorf("aws config.LoadDefaultConfig: %w", err)
		}
	}
	c := sns.NewFromConfig(cfg, func(so *sns.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
	})
	return &SNSPublisher{Client: c, TopicARNPrefix: prefix}, nil
}
