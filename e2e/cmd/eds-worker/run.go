package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// worker is the state of the run mode.
type worker struct {
	env            workerEnv
	pod            string
	workTime       time.Duration
	statusInterval time.Duration

	nc   *nats.Conn
	js   jetstream.JetStream
	cons jetstream.Consumer

	bound       atomic.Bool // bound to the consumer, and the records stream exists
	stopping    atomic.Bool // SIGTERM received
	marker      atomic.Bool // the last marker check found the marker
	processed   atomic.Int64
	redelivered atomic.Int64
}

func durationEnv(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative Go duration such as 250ms", name, v)
	}
	return d, nil
}

// runMode is the main container. It exits 0 after SIGTERM once the in-flight
// message is acked (or nakked) and the connection drained; 1 on bad
// configuration.
func runMode() int {
	log.SetPrefix("eds-worker: ")
	env, err := readEnv()
	if err != nil {
		log.Print(err)
		return 1
	}
	w := &worker{env: env, pod: hostname()}
	if w.workTime, err = durationEnv("WORKER_WORK_TIME", 0); err != nil {
		log.Print(err)
		return 1
	}
	if w.statusInterval, err = durationEnv("WORKER_STATUS_INTERVAL", 10*time.Second); err != nil || w.statusInterval == 0 {
		log.Printf("WORKER_STATUS_INTERVAL: %v (want > 0)", err)
		return 1
	}
	// PORT is the usual convention (the platform's earlier Crossplane
	// composition set it); WORKER_LISTEN wins.
	listen := os.Getenv("WORKER_LISTEN")
	if listen == "" && os.Getenv("PORT") != "" {
		listen = ":" + os.Getenv("PORT")
	}
	if listen == "" {
		listen = ":8080"
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		w.stopping.Store(true)
		log.Print("stopping: no more fetches; finishing the in-flight message")
	}()

	// connect returns at once and keeps trying in the background, so the
	// probes below are served while NATS is still coming up: /health must
	// answer then, or the kubelet would restart a healthy pod. (w.nc is set
	// before the server starts: the /ready handler reads it.)
	nc, closed, err := connect(env.URL, "eds-worker "+w.pod)
	if err != nil {
		log.Printf("NATS_URL %q: %v", env.URL, err)
		return 1
	}
	w.nc = nc
	if w.js, err = jetstream.New(nc); err != nil {
		log.Print(err)
		return 1
	}

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		log.Print(err)
		return 1
	}
	srv := &http.Server{Handler: w.mux(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("pod %s, uid %d: serving /health and /ready on %s; stream %s, consumer %s, work time %s",
		w.pod, os.Getuid(), ln.Addr(), env.Stream, env.Consumer, w.workTime)

	if err := w.bind(ctx); err == nil {
		statusDone := make(chan struct{})
		go w.statusLoop(ctx, statusDone)
		w.consume(ctx)
		<-statusDone
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		w.publishStatus(sctx, true)
		cancel()
	}

	if err := nc.Drain(); err != nil {
		log.Printf("drain: %v", err)
		nc.Close()
	}
	select {
	case <-closed:
	case <-time.After(15 * time.Second):
		log.Print("drain did not finish in 15s; closing")
		nc.Close()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	log.Printf("exiting: processed %d message(s), %d of them redelivered", w.processed.Load(), w.redelivered.Load())
	return 0
}

// bind waits until the consumer exists (the test creates it, possibly after
// the pod starts) and binds to it without creating or changing it.
func (w *worker) bind(ctx context.Context) error {
	return retry(ctx, fmt.Sprintf("binding to consumer %s of stream %s", w.env.Consumer, w.env.Stream), func(ctx context.Context) error {
		c, err := w.js.Consumer(ctx, w.env.Stream, w.env.Consumer)
		if err != nil {
			return err
		}
		cfg := c.CachedInfo().Config
		if cfg.AckPolicy != jetstream.AckExplicitPolicy {
			return fmt.Errorf("consumer has ack policy %v; the worker needs an explicit-ack pull consumer", cfg.AckPolicy)
		}
		if err := ensureRecordsStream(ctx, w.js, processedSubject(w.env.Consumer)); err != nil {
			return err
		}
		w.cons = c
		w.bound.Store(true)
		log.Printf("bound to consumer %s of stream %s (ack wait %s)", w.env.Consumer, w.env.Stream, cfg.AckWait)
		return nil
	})
}

// ready is the readiness rule: connected and bound to the consumer, and not
// stopping. The migration marker is reported in the status records, not
// required here.
func (w *worker) ready() bool {
	return w.bound.Load() && !w.stopping.Load() && w.nc != nil && w.nc.IsConnected()
}

func (w *worker) mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+envOr("WORKER_HEALTH_PATH", "/health"), func(rw http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(rw, "ok")
	})
	mux.HandleFunc("GET "+envOr("WORKER_READY_PATH", "/ready"), func(rw http.ResponseWriter, _ *http.Request) {
		if !w.ready() {
			http.Error(rw, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(rw, "ready")
	})
	mux.HandleFunc("GET /status", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(w.status(false))
	})
	return mux
}

func (w *worker) status(final bool) Status {
	return Status{
		Pod: w.pod, Mode: "run", UID: os.Getuid(), Env: hashedEnv(os.Environ()),
		Marker: w.marker.Load(), Processed: w.processed.Load(), Redelivered: w.redelivered.Load(),
		Stream: w.env.Stream, Consumer: w.env.Consumer, Ready: w.ready(), Final: final,
	}
}

// publishStatus checks the marker and publishes a status record.
func (w *worker) publishStatus(ctx context.Context, final bool) {
	m, err := markerExists(ctx, w.js, w.env.Consumer)
	if err != nil {
		log.Printf("checking the migration marker: %v", err)
	} else {
		w.marker.Store(m)
	}
	if err := publishJSON(ctx, w.js, statusSubject("run", w.env.Consumer), w.status(final)); err != nil {
		log.Printf("publishing status: %v", err)
	}
}

func (w *worker) statusLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(w.statusInterval)
	defer t.Stop()
	for {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		w.publishStatus(sctx, false)
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// batchSize fetches as many messages as can be worked through in half the
// ack wait, 1 to 10, so that none waits in a batch past its AckWait.
func batchSize(ackWait, workTime time.Duration) int {
	if ackWait <= 0 {
		ackWait = 30 * time.Second
	}
	if workTime <= 0 {
		return 10
	}
	return int(max(1, min(10, int64(ackWait/2/workTime))))
}

// consume fetches and handles batches until ctx is done (SIGTERM).
func (w *worker) consume(ctx context.Context) {
	ackWait := w.cons.CachedInfo().Config.AckWait
	batch := batchSize(ackWait, w.workTime)
	for n := 0; ctx.Err() == nil; {
		b, err := w.cons.Fetch(batch, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			log.Printf("fetch: %v", err)
			sleepCtx(ctx, backoff(n))
			n++
			continue
		}
		for msg := range b.Messages() {
			if ctx.Err() != nil {
				w.nak(msg, "stopping")
				continue
			}
			w.handle(ctx, msg, ackWait)
		}
		if err := b.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			log.Printf("fetch: %v", err)
			sleepCtx(ctx, backoff(n))
			n++
			continue
		}
		n = 0
	}
}

func (w *worker) nak(msg jetstream.Msg, why string) {
	if err := msg.Nak(); err != nil {
		log.Printf("nak (%s): %v; the message is redelivered after its ack wait", why, err)
	}
}

// handle works on msg, publishes its processed record and only then acks it.
// A SIGTERM during the work naks it, for another replica to take.
func (w *worker) handle(ctx context.Context, msg jetstream.Msg, ackWait time.Duration) {
	md, err := msg.Metadata()
	if err != nil {
		log.Printf("message without JetStream metadata: %v", err)
		w.nak(msg, "no metadata")
		return
	}
	if !w.work(ctx, msg, ackWait) {
		w.nak(msg, "stopped during work")
		return
	}
	rec := Processed{Pod: w.pod, Stream: md.Stream, Seq: md.Sequence.Stream, MsgID: msg.Headers().Get(nats.MsgIdHdr), Delivered: md.NumDelivered}
	// The in-flight message is finished even after SIGTERM: its own
	// context, not ctx.
	pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := publishJSON(pctx, w.js, processedSubject(w.env.Consumer), rec); err != nil {
		log.Printf("seq %d: publishing the processed record: %v; nak", rec.Seq, err)
		if err := msg.NakWithDelay(time.Second); err != nil {
			log.Printf("seq %d: nak: %v", rec.Seq, err)
		}
		return
	}
	w.processed.Add(1)
	if md.NumDelivered > 1 {
		w.redelivered.Add(1)
	}
	if err := msg.DoubleAck(pctx); err != nil {
		log.Printf("seq %d: ack: %v; it will be redelivered", rec.Seq, err)
	}
}

// work sleeps WORKER_WORK_TIME, telling the server the message is in
// progress every half ack wait so that a long work time does not make it
// redeliver. It reports false if ctx ended first.
func (w *worker) work(ctx context.Context, msg jetstream.Msg, ackWait time.Duration) bool {
	if w.workTime <= 0 {
		return true
	}
	tick := ackWait / 2
	if tick <= 0 {
		tick = 15 * time.Second
	}
	deadline := time.Now().Add(w.workTime)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		if !sleepCtx(ctx, min(left, tick)) {
			return false
		}
		if time.Until(deadline) > 0 {
			if err := msg.InProgress(); err != nil {
				log.Printf("in progress: %v", err)
			}
		}
	}
}

// envOr is the variable's value, or def when it is unset or empty. The
// image sets the paths its probes use (the http-worker example probes
// /healthz for readiness).
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
