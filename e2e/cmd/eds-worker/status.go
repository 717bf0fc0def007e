package main

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// Status is the JSON body of a status record, published to
// worker.status.<mode>.<consumer>.
type Status struct {
	Pod       string            `json:"pod"`
	Mode      string            `json:"mode"` // "run" or "migrate"
	UID       int               `json:"uid"`
	Env       map[string]string `json:"env"` // name -> sha256 hex of the value; never a value
	Marker    bool              `json:"marker"`
	Processed int64             `json:"processed"`
	// Redelivered counts the processed messages that were delivered more
	// than once (NumDelivered > 1).
	Redelivered int64  `json:"redelivered"`
	Stream      string `json:"stream"`
	Consumer    string `json:"consumer"`
	Ready       bool   `json:"ready"`
	Final       bool   `json:"final,omitempty"` // the last record, after draining
}

// Processed is the JSON body of a processed record, published to
// worker.processed.<consumer> before the message is acked.
type Processed struct {
	Pod       string `json:"pod"`
	Stream    string `json:"stream"`
	Seq       uint64 `json:"seq"`             // the message's stream sequence
	MsgID     string `json:"msgId,omitempty"` // its Nats-Msg-Id header
	Delivered uint64 `json:"delivered"`       // its NumDelivered
}

// Marker is the value of the migration marker, key <consumer> of bucket
// "migrations".
type Marker struct {
	Pod       string `json:"pod"`
	At        string `json:"at"`        // RFC 3339
	SecretSha string `json:"secretSha"` // sha256 hex of the first secret
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

var (
	// KUBERNETES_SERVICE_HOST, NATS_SERVICE_PORT, NATS_SERVICE_PORT_CLIENT
	serviceEnv = regexp.MustCompile(`^[A-Za-z0-9_]+_SERVICE_(HOST|PORT)(_[A-Za-z0-9_]+)?$`)
	// NATS_PORT_4222_TCP, NATS_PORT_4222_TCP_PROTO/_PORT/_ADDR
	dockerLinkEnv = regexp.MustCompile(`^[A-Za-z0-9_]+_PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$`)
	// NATS_PORT=tcp://10.0.0.1:4222 (by value: an application's own
	// POSTGRES_PORT=5432 is kept)
	dockerLinkURL = regexp.MustCompile(`^(tcp|udp|sctp)://`)
)

// serviceLinkEnv reports whether name=value is one of the variables the
// kubelet injects for services (KUBERNETES_* and the Docker-link style
// <SVC>_SERVICE_HOST, <SVC>_PORT_<n>_TCP...), which differ between pods and
// namespaces and say nothing about what eds-fn configured.
func serviceLinkEnv(name, value string) bool {
	if strings.HasPrefix(name, "KUBERNETES_") {
		return true
	}
	if serviceEnv.MatchString(name) || dockerLinkEnv.MatchString(name) {
		return true
	}
	return strings.HasSuffix(name, "_PORT") && dockerLinkURL.MatchString(value)
}

// hashedEnv maps the names of environ ("NAME=value" entries) to the sha256
// hex of their values, leaving out serviceLinkEnv variables. A test can check
// that a secret reached the pod by comparing hashes, and no value leaves it.
func hashedEnv(environ []string) map[string]string {
	env := map[string]string{}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" || serviceLinkEnv(name, value) {
			continue
		}
		env[name] = sha256Hex(value)
	}
	return env
}

// kvKey turns s (a consumer name) into a valid KV key: only
// [-/_=.A-Za-z0-9], no leading or trailing dot, no empty token. Anything else
// becomes "_".
func kvKey(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '/' || c == '_' || c == '=' || c == '.'
		if !ok {
			b[i] = '_'
		}
		if c == '.' && (i == 0 || i == len(b)-1 || b[i-1] == '.') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}
