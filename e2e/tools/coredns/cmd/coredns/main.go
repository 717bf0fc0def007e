// Command coredns is CoreDNS with only the plugins the node suite's Corefile
// uses: the pods resolve cluster.local names (the selectorless Services that
// point at nats-server) and nothing else, so no forward plugin and no other
// backend is compiled in. CoreDNS documents this way of choosing plugins:
// import them and set dnsserver.Directives, in the order they run.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func init() {
	dnsserver.Directives = []string{"errors", "log", "health", "ready", "kubernetes"}
}

func main() {
	coremain.Run()
}
