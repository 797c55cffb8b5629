// Command coredns is CoreDNS with only the plugins the real node's Corefile uses
// (test/cluster/realnode/configs.ts: corefile). CoreDNS's own main imports every plugin, which
// pulls in the cloud providers' SDKs and more than doubles the cold build; its documented way to
// trim a build is to register fewer plugins, which is what these imports do.
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

func main() {
	coremain.Run()
}
