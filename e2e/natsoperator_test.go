//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// natsOperator is a decentralized-auth setup (what nsc makes, and what
// Synadia Cloud and the NACK operator use): accounts are JWTs whose ID is a
// public key and whose name is only a tag. There KEDA's account and
// accountID differ, which is why accountID exists (kedacore/keda#6611).
type natsOperator struct {
	dir            string // operator.jwt
	sysPub, appPub string
	sysJWT, appJWT string
	userJWT        string
	userSeed       []byte
}

var (
	operatorOnce sync.Once
	operator     *natsOperator
	operatorErr  error
)

// natsOperatorSetup makes one operator with a system account and the
// JetStream account APP, shared by every operator-mode cluster.
func natsOperatorSetup() (*natsOperator, error) {
	operatorOnce.Do(func() { operator, operatorErr = newNATSOperator(filepath.Join(workDir, "matrix", "operator")) })
	return operator, operatorErr
}

func newNATSOperator(dir string) (*natsOperator, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	opKey, err := nkeys.CreateOperator()
	if err != nil {
		return nil, err
	}
	opPub, _ := opKey.PublicKey()
	account := func(name string, js bool) (nkeys.KeyPair, string, string, error) {
		kp, err := nkeys.CreateAccount()
		if err != nil {
			return nil, "", "", err
		}
		pub, _ := kp.PublicKey()
		ac := jwt.NewAccountClaims(pub)
		ac.Name = name
		if js {
			ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		tok, err := ac.Encode(opKey)
		return kp, pub, tok, err
	}
	o := &natsOperator{dir: dir}
	if _, o.sysPub, o.sysJWT, err = account("SYS", false); err != nil {
		return nil, err
	}
	appKey, appPub, appJWT, err := account("APP", true)
	if err != nil {
		return nil, err
	}
	o.appPub, o.appJWT = appPub, appJWT
	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "e2e"
	oc.SystemAccount = o.sysPub
	opJWT, err := oc.Encode(opKey)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "operator.jwt"), []byte(opJWT), 0o644); err != nil {
		return nil, err
	}
	userKey, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	userPub, _ := userKey.PublicKey()
	if o.userSeed, err = userKey.Seed(); err != nil {
		return nil, err
	}
	if o.userJWT, err = jwt.NewUserClaims(userPub).Encode(appKey); err != nil {
		return nil, err
	}
	return o, nil
}

// config is the server configuration block: the operator, its system
// account and both account JWTs preloaded in a memory resolver.
func (o *natsOperator) config() string {
	return fmt.Sprintf(`operator: %q
system_account: %s
resolver: MEMORY
resolver_preload: {
  %s: %q
  %s: %q
}
`, filepath.Join(o.dir, "operator.jwt"), o.sysPub, o.sysPub, o.sysJWT, o.appPub, o.appJWT)
}
