package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// migrateTimeout bounds the init container's wait for NATS.
const migrateTimeout = 60 * time.Second

// checkSecrets fails unless secret names are given and every one is set to a
// non-empty value: the init container's job is to prove the secrets eds-fn
// wires into it arrived.
func checkSecrets(names []string, getenv func(string) string) error {
	if len(names) == 0 {
		return errors.New("usage: eds-worker migrate SECRET_ENV... (name at least one secret environment variable)")
	}
	var empty []string
	for _, n := range names {
		if getenv(n) == "" {
			empty = append(empty, n)
		}
	}
	if len(empty) > 0 {
		return fmt.Errorf("secret environment variable(s) unset or empty: %s", strings.Join(empty, ", "))
	}
	return nil
}

// migrateMode is the init container: it checks the secrets, writes the
// migration marker and its status record, and exits 0; any failure exits 1.
func migrateMode(names []string) int {
	log.SetPrefix("eds-worker migrate: ")
	if err := checkSecrets(names, os.Getenv); err != nil {
		log.Print(err)
		return 1
	}
	env, err := readEnv()
	if err != nil {
		log.Print(err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), migrateTimeout)
	defer cancel()
	if err := migrate(ctx, env, os.Getenv(names[0])); err != nil {
		log.Print(err)
		return 1
	}
	log.Printf("marker %s/%s written", MigrationsBucket, kvKey(env.Consumer))
	return 0
}

func migrate(ctx context.Context, env workerEnv, secret string) error {
	pod := hostname()
	var nc *nats.Conn
	err := retry(ctx, "connecting to "+env.URL, func(context.Context) error {
		c, err := nats.Connect(env.URL, nats.Name("eds-worker migrate "+pod), nats.Timeout(5*time.Second))
		nc = c
		return err
	})
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}

	value, err := json.Marshal(Marker{Pod: pod, At: time.Now().UTC().Format(time.RFC3339), SecretSha: sha256Hex(secret)})
	if err != nil {
		return err
	}
	err = retry(ctx, "writing the migration marker", func(ctx context.Context) error {
		kv, err := js.KeyValue(ctx, MigrationsBucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: MigrationsBucket, Description: "eds-worker migration markers, key = consumer"})
			if errors.Is(err, jetstream.ErrBucketExists) { // another init container won
				kv, err = js.KeyValue(ctx, MigrationsBucket)
			}
		}
		if err != nil {
			return err
		}
		_, err = kv.Put(ctx, kvKey(env.Consumer), value)
		return err
	})
	if err != nil {
		return err
	}

	subject := statusSubject("migrate", env.Consumer)
	return retry(ctx, "publishing the status record", func(ctx context.Context) error {
		if err := ensureRecordsStream(ctx, js, subject); err != nil {
			return err
		}
		return publishJSON(ctx, js, subject, Status{
			Pod: pod, Mode: "migrate", UID: os.Getuid(), Env: hashedEnv(os.Environ()),
			Marker: true, Stream: env.Stream, Consumer: env.Consumer, Final: true,
		})
	})
}
