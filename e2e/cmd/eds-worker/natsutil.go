package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// RecordsStream is created on RecordsSubjects when no stream captures
	// the worker's records yet.
	RecordsStream   = "WORKER_RECORDS"
	RecordsSubjects = "worker.>"
	// MigrationsBucket is the KV bucket of the migration markers.
	MigrationsBucket = "migrations"
)

func processedSubject(consumer string) string { return "worker.processed." + consumer }

func statusSubject(mode, consumer string) string { return "worker.status." + mode + "." + consumer }

// workerEnv is what eds-fn's Deployment tells the worker.
type workerEnv struct {
	URL, Stream, Consumer string
}

func readEnv() (workerEnv, error) {
	e := workerEnv{
		URL:      os.Getenv("NATS_URL"),
		Stream:   os.Getenv("NATS_STREAM_NAME"),
		Consumer: os.Getenv("NATS_CONSUMER_GROUP"),
	}
	var missing []string
	for _, v := range []struct{ name, value string }{
		{"NATS_URL", e.URL}, {"NATS_STREAM_NAME", e.Stream}, {"NATS_CONSUMER_GROUP", e.Consumer},
	} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		return e, fmt.Errorf("environment variable(s) %v unset or empty (eds-fn's Deployment sets them)", missing)
	}
	return e, nil
}

// backoff is the wait before attempt n (0-based): 250 ms doubling up to 5 s,
// with up to 20% jitter so that replicas spread out.
func backoff(n int) time.Duration {
	d := 250 * time.Millisecond
	for i := 0; i < n && d < 5*time.Second; i++ {
		d *= 2
	}
	d = min(d, 5*time.Second)
	return d + rand.N(d/5+1)
}

// sleepCtx sleeps d or until ctx is done; it reports whether it slept d.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// retry calls f until it succeeds or ctx is done, waiting backoff between
// attempts and logging each failure as what.
func retry(ctx context.Context, what string, f func(context.Context) error) error {
	for n := 0; ; n++ {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := f(actx)
		cancel()
		if err == nil {
			return nil
		}
		log.Printf("%s (attempt %d): %v", what, n+1, err)
		if !sleepCtx(ctx, backoff(n)) {
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		}
	}
}

// connect returns a connection that reconnects forever. With
// RetryOnFailedConnect, nats.Connect returns at once even when no server is
// up yet (NATS may start after the pod) and keeps trying in the background.
func connect(url, name string) (*nats.Conn, <-chan struct{}, error) {
	closed := make(chan struct{})
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(backoff),
		nats.DrainTimeout(10*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Printf("nats: disconnected: %v", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Printf("nats: connected to %s", c.ConnectedUrlRedacted()) }),
		nats.ConnectHandler(func(c *nats.Conn) { log.Printf("nats: connected to %s", c.ConnectedUrlRedacted()) }),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
	)
	return nc, closed, err
}

// ensureRecordsStream makes sure a stream captures subject, creating
// RecordsStream on RecordsSubjects if none does, so that the JetStream
// publishes of records get acks.
func ensureRecordsStream(ctx context.Context, js jetstream.JetStream, subject string) error {
	name, err := js.StreamNameBySubject(ctx, subject)
	if err == nil {
		log.Printf("records on %s go to stream %s", subject, name)
		return nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return err
	}
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{
		Name:     RecordsStream,
		Subjects: []string{RecordsSubjects},
		Storage:  jetstream.FileStorage,
		MaxAge:   24 * time.Hour,
	})
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("creating stream %s: %w", RecordsStream, err)
	}
	log.Printf("records on %s go to stream %s (created)", subject, RecordsStream)
	return nil
}

// publishJSON JetStream-publishes v to subject and waits for the ack.
func publishJSON(ctx context.Context, js jetstream.JetStream, subject string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = js.Publish(ctx, subject, data)
	return err
}

// markerExists reports whether the migration marker of consumer is in the
// bucket; a missing bucket or key is false, other errors are errors.
func markerExists(ctx context.Context, js jetstream.JetStream, consumer string) (bool, error) {
	kv, err := js.KeyValue(ctx, MigrationsBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = kv.Get(ctx, kvKey(consumer))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
