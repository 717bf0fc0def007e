package conformance

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"strings"
)

// chooser makes the generator's choices: from the fuzzer's bytes while
// there are any (so that coverage guidance can steer them), then from a
// generator seeded by those bytes.
type chooser struct {
	data []byte
	rng  *rand.Rand
}

func newChooser(data []byte) *chooser {
	h := fnv.New64a()
	h.Write(data)
	s := h.Sum64()
	return &chooser{data: data, rng: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))}
}

// seedChooser is the corpus test's: only the seeded generator.
func seedChooser(seed uint64) *chooser {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	c := newChooser(b[:])
	c.data = nil
	return c
}

func (c *chooser) intn(n int) int {
	if n <= 1 {
		return 0
	}
	if len(c.data) > 0 {
		v := int(c.data[0]) % n
		c.data = c.data[1:]
		return v
	}
	return c.rng.IntN(n)
}

func pick[T any](c *chooser, xs ...T) T { return xs[c.intn(len(xs))] }

func (c *chooser) chance(pct int) bool { return c.intn(100) < pct }

// obj is a JSON mapping under construction.
type obj = map[string]any

// patch is a strategic-merge patch being built, with the names of the
// mutations that made it (for the report).
type patch struct {
	root   obj
	worker string
	used   []string
}

// at returns the mapping at path, creating it.
func (p *patch) at(path ...string) obj {
	m := p.root
	for _, k := range path {
		next, ok := m[k].(obj)
		if !ok {
			next = obj{}
			m[k] = next
		}
		m = next
	}
	return m
}

func (p *patch) podSpec() obj { return p.at("spec", "template", "spec") }

// entry returns the item of list key (under the pod spec) whose name is
// name, adding it.
func (p *patch) entry(key, name string) obj {
	ps := p.podSpec()
	list, _ := ps[key].([]any)
	for _, it := range list {
		if m, ok := it.(obj); ok && m["name"] == name {
			return m
		}
	}
	m := obj{"name": name}
	ps[key] = append(list, m)
	return m
}

func (p *patch) container() obj { return p.entry("containers", p.worker) }

// sidecar is a second container that passes Pod Security "restricted", so
// that what it is generated for is what decides.
func (p *patch) sidecar() obj {
	m := p.entry("containers", "side")
	if _, ok := m["image"]; !ok {
		m["image"] = "ghcr.io/acme/side:v1"
		m["securityContext"] = restrictedSC()
	}
	return m
}

func (p *patch) initContainer() obj {
	m := p.entry("initContainers", "init")
	if _, ok := m["image"]; !ok {
		m["image"] = "ghcr.io/acme/init:v1"
		m["securityContext"] = restrictedSC()
	}
	return m
}

func restrictedSC() obj {
	return obj{"allowPrivilegeEscalation": false, "capabilities": obj{"drop": []any{"ALL"}},
		"runAsNonRoot": true, "seccompProfile": obj{"type": "RuntimeDefault"}}
}

// someContainer is the worker, the sidecar or the init container.
func (p *patch) someContainer(c *chooser) obj {
	switch c.intn(4) {
	case 0:
		return p.sidecar()
	case 1:
		return p.initContainer()
	default:
		return p.container()
	}
}

func (p *patch) appendTo(m obj, key string, item any) {
	list, _ := m[key].([]any)
	m[key] = append(list, item)
}

type mutation struct {
	name string
	fn   func(c *chooser, p *patch)
}

var (
	badLabelKeys   = []string{"bad key", "-x", "a/b/c", "example.com/" + strings.Repeat("k", 64), "Example.COM/ok", "x_y", strings.Repeat("k", 64), "", "kubernetes.io/x"}
	badLabelValues = []string{"bad value", "-x", strings.Repeat("v", 64), "a/b", "ok", ""}
	quantities     = []any{"1", "100m", "1x", "-1", "0", "1.5", "1Gi", "1e3", 2, -2, "2Ei", "0.0001"}
	resourceNames  = []string{"cpu", "memory", "ephemeral-storage", "foo", "example.com/gpu", "hugepages-2Mi", "nvidia.com/gpu", "requests.cpu", "Bad Name"}
	ports          = []any{0, -1, 1, 80, 3003, 8080, 65535, 65536, 70000, "8080", "http", "bad_name", "x", strings.Repeat("p", 16)}
	portNames      = []any{"http", "metrics", "bad_name", "", "x", strings.Repeat("p", 16), "HTTP", "1234", "a-b", nil}
	protocols      = []any{"TCP", "UDP", "SCTP", "tcp", "HTTP", "", nil}
)

func metadataMutations(prefix ...string) []mutation {
	meta := func(p *patch) obj { return p.at(append(prefix, "metadata")...) }
	return []mutation{
		{"labels", func(c *chooser, p *patch) {
			m := meta(p)
			labels, _ := m["labels"].(obj)
			if labels == nil {
				labels = obj{}
			}
			if c.chance(50) {
				labels[pick(c, badLabelKeys...)] = "v"
			} else {
				labels["tier"] = pick(c, badLabelValues...)
			}
			m["labels"] = labels
		}},
		{"annotations", func(c *chooser, p *patch) {
			m := meta(p)
			ann, _ := m["annotations"].(obj)
			if ann == nil {
				ann = obj{}
			}
			if c.chance(60) {
				ann[pick(c, badLabelKeys...)] = "v"
			} else {
				ann["note"] = pick[any](c, "any text at all", strings.Repeat("x", 300000), nil, "")
			}
			m["annotations"] = ann
		}},
		{"system-metadata", func(c *chooser, p *patch) {
			m := meta(p)
			switch c.intn(8) {
			case 0:
				m["generateName"] = pick(c, "w-", "Bad_", "")
			case 1:
				m["resourceVersion"] = pick(c, "5", "0", "abc")
			case 2:
				m["uid"] = pick(c, "abc", "")
			case 3:
				m["ownerReferences"] = []any{obj{"apiVersion": pick(c, "v1", ""), "kind": pick(c, "ConfigMap", ""),
					"name": pick(c, "owner", ""), "uid": pick(c, "0d5f1f2a-1111-2222-3333-444455556666", "")}}
			case 4:
				m["finalizers"] = []any{pick(c, "example.com/keep", "bad", "kubernetes", "foregroundDeletion", "orphan")}
			case 5:
				m["creationTimestamp"] = "2020-01-01T00:00:00Z"
			case 6:
				m["deletionGracePeriodSeconds"] = pick(c, 0, 30, -1)
			default:
				m["managedFields"] = []any{obj{"manager": "x", "operation": pick(c, "Apply", "Bogus", ""), "apiVersion": "apps/v1"}}
			}
		}},
	}
}

// deploymentMutations are the edits a user can make in
// spec.customDeployment: most are hostile, some are ordinary.
var deploymentMutations = append(metadataMutations(), append(metadataMutations("spec", "template"), []mutation{
	{"image", func(c *chooser, p *patch) {
		p.someContainer(c)["image"] = pick[any](c, nil, "", " x", "x ", "UPPER/Case:v1", "ghcr.io/acme/other:v2", "a b", "x@sha256:bad")
	}},
	{"container-port", func(c *chooser, p *patch) {
		port := obj{"containerPort": pick(c, ports[:9]...)}
		if n := pick(c, portNames...); n != nil {
			port["name"] = n
		}
		if pr := pick(c, protocols...); pr != nil {
			port["protocol"] = pr
		}
		if c.chance(20) {
			port["hostPort"] = pick[any](c, 0, -1, 8080, 70000)
		}
		p.appendTo(p.someContainer(c), "ports", port)
	}},
	{"env", func(c *chooser, p *patch) {
		e := obj{"name": pick[any](c, "A", "LOG_LEVEL", "1BAD", "", "A=B", "a.b-c", strings.Repeat("E", 300))}
		switch c.intn(6) {
		case 0:
			e["value"] = "x"
		case 1:
			e["valueFrom"] = obj{}
		case 2:
			e["valueFrom"] = obj{"configMapKeyRef": obj{"name": "c", "key": "k"}, "secretKeyRef": obj{"name": "s", "key": "k"}}
		case 3:
			e["value"] = "x"
			e["valueFrom"] = obj{"fieldRef": obj{"fieldPath": "metadata.name"}}
		case 4:
			e["valueFrom"] = obj{"fieldRef": obj{"fieldPath": pick(c, "metadata.name", "spec.bogus", "status.podIP")}}
		default:
			e["valueFrom"] = obj{pick(c, "configMapKeyRef", "secretKeyRef"): obj{"name": pick(c, "c", "", "Bad_Name"), "key": pick(c, "k", "", "bad key!")}}
		}
		p.appendTo(p.someContainer(c), "env", e)
	}},
	{"envFrom", func(c *chooser, p *patch) {
		var e obj
		switch c.intn(4) {
		case 0:
			e = obj{"configMapRef": obj{"name": pick(c, "c", "", "Bad_Name")}}
		case 1:
			e = obj{}
		case 2:
			e = obj{"configMapRef": obj{"name": "c"}, "secretRef": obj{"name": "s"}}
		default:
			e = obj{"prefix": pick(c, "1", "P_", "a=b", ""), "secretRef": obj{"name": "s"}}
		}
		p.appendTo(p.someContainer(c), "envFrom", e)
	}},
	{"resources", func(c *chooser, p *patch) {
		r := obj{}
		switch c.intn(4) {
		case 0:
			r["requests"] = obj{"cpu": "2", "memory": "2Gi"}
			r["limits"] = obj{"cpu": "1", "memory": "1Gi"}
		case 1:
			r[pick(c, "requests", "limits")] = obj{pick(c, resourceNames...): pick(c, quantities...)}
		case 2:
			name := pick(c, "example.com/gpu", "nvidia.com/gpu", "hugepages-2Mi")
			r["requests"] = obj{name: pick(c, quantities...)}
			r["limits"] = obj{name: pick(c, quantities...)}
		default:
			r["limits"] = obj{"memory": pick[any](c, "1Gi", "512Mi", "0", "64Mi")}
		}
		if c.chance(15) {
			r["claims"] = []any{obj{"name": pick(c, "gpu", "", "Bad_Name")}}
		}
		p.someContainer(c)["resources"] = r
	}},
	{"probe", func(c *chooser, p *patch) {
		pr := obj{}
		switch c.intn(5) {
		case 0: // no handler
		case 1:
			pr["httpGet"] = obj{"port": pick(c, ports...), "path": "/x"}
			pr["exec"] = obj{"command": []any{"true"}}
		case 2:
			pr["httpGet"] = obj{"port": pick(c, ports...), "scheme": pick(c, "HTTP", "HTTPS", "http", "FTP")}
		case 3:
			pr["tcpSocket"] = obj{"port": pick(c, ports...)}
		default:
			pr["grpc"] = obj{"port": pick(c, ports[:9]...)}
		}
		for _, k := range []string{"periodSeconds", "successThreshold", "failureThreshold", "timeoutSeconds", "initialDelaySeconds", "terminationGracePeriodSeconds"} {
			if c.chance(15) {
				pr[k] = pick[any](c, -1, 0, 1, 2, 10)
			}
		}
		p.someContainer(c)[pick(c, "livenessProbe", "readinessProbe", "startupProbe")] = pr
	}},
	{"lifecycle", func(c *chooser, p *patch) {
		h := pick(c, obj{}, obj{"sleep": obj{"seconds": pick(c, -1, 0, 5)}}, obj{"exec": obj{"command": []any{"true"}}, "httpGet": obj{"port": 80}},
			obj{"httpGet": obj{"port": pick(c, ports...)}})
		lc := obj{pick(c, "preStop", "postStart"): h}
		if c.chance(20) {
			lc["stopSignal"] = pick(c, "SIGTERM", "SIGBOGUS")
		}
		p.someContainer(c)["lifecycle"] = lc
	}},
	{"container-scalars", func(c *chooser, p *patch) {
		ctr := p.someContainer(c)
		switch c.intn(7) {
		case 0:
			ctr["imagePullPolicy"] = pick(c, "Always", "IfNotPresent", "Never", "always", "Sometimes")
		case 1:
			ctr["terminationMessagePolicy"] = pick(c, "File", "FallbackToLogsOnError", "Bogus")
		case 2:
			ctr["terminationMessagePath"] = pick(c, "/dev/termination-log", "", strings.Repeat("/x", 3000))
		case 3:
			ctr["restartPolicy"] = pick(c, "Always", "Never", "OnFailure", "Bogus")
		case 4:
			ctr["workingDir"] = pick(c, "/work", "relative")
		case 5:
			ctr["stdin"] = true
			ctr["stdinOnce"] = c.chance(50)
		default:
			ctr["resizePolicy"] = []any{obj{"resourceName": pick(c, "cpu", "memory", "foo"), "restartPolicy": pick(c, "NotRequired", "RestartContainer", "Bogus")}}
		}
	}},
	{"container-securityContext", func(c *chooser, p *patch) {
		sc := obj{}
		switch c.intn(5) {
		case 0:
			sc["privileged"] = true
			sc["allowPrivilegeEscalation"] = false
		case 1:
			sc["runAsUser"] = pick(c, -1, 0, 1000, 2147483648)
		case 2:
			sc["capabilities"] = obj{"add": []any{pick(c, "NET_BIND_SERVICE", "BOGUS", "SYS_ADMIN")}}
		case 3:
			sc["seccompProfile"] = obj{"type": pick(c, "Localhost", "Bogus", "RuntimeDefault")}
		default:
			sc["procMount"] = pick(c, "Default", "Unmasked", "Bogus")
		}
		p.someContainer(c)["securityContext"] = sc
	}},
	{"pod-scalars", func(c *chooser, p *patch) {
		ps := p.podSpec()
		switch c.intn(12) {
		case 0:
			ps["restartPolicy"] = pick(c, "Always", "Never", "OnFailure", "Bogus")
		case 1:
			ps["dnsPolicy"] = pick(c, "ClusterFirst", "Default", "None", "ClusterFirstWithHostNet", "Bogus")
		case 2:
			ps["terminationGracePeriodSeconds"] = pick[any](c, -1, 0, 30)
		case 3:
			ps["activeDeadlineSeconds"] = pick[any](c, 0, 10, -1)
		case 4:
			ps["serviceAccountName"] = pick(c, "Bad_Name", "other", "")
		case 5:
			ps["hostname"] = pick(c, "Bad_Host", "ok-host")
			ps["subdomain"] = pick(c, "sub", "Bad.Sub", "")
		case 6:
			ps["schedulerName"] = pick(c, "bad name", "my-scheduler")
		case 7:
			ps["priority"] = pick(c, 1000, -1)
		case 8:
			ps["dnsConfig"] = obj{"nameservers": []any{pick(c, "1.1.1.1", "bogus")}, "searches": []any{pick(c, "svc.local", "Bad_Domain")}}
		case 9:
			ps["hostNetwork"] = true
		case 10:
			ps["os"] = obj{"name": pick(c, "linux", "windows", "plan9")}
		default:
			ps["overhead"] = obj{"cpu": "100m"}
		}
	}},
	{"pod-securityContext", func(c *chooser, p *patch) {
		sc := obj{}
		switch c.intn(5) {
		case 0:
			sc["runAsUser"] = pick(c, -1, 1000)
		case 1:
			sc["sysctls"] = []any{obj{"name": pick(c, "net.ipv4.ip_local_port_range", "bad name", "kernel.shm_rmid_forced"), "value": "1"}}
		case 2:
			sc["fsGroupChangePolicy"] = pick(c, "OnRootMismatch", "Bogus")
		case 3:
			sc["seccompProfile"] = obj{"type": "Localhost"}
		default:
			sc["supplementalGroups"] = []any{pick(c, -1, 1000)}
		}
		p.podSpec()["securityContext"] = sc
	}},
	{"volume", func(c *chooser, p *patch) {
		name := pick(c, "data", "cache", "Bad_Name", "")
		v := obj{"name": name}
		switch c.intn(6) {
		case 0: // no source
		case 1:
			v["emptyDir"] = obj{}
			v["configMap"] = obj{"name": "c"}
		case 2:
			v["configMap"] = obj{}
		case 3:
			v["secret"] = obj{"secretName": pick(c, "s", "", "Bad_Name"), "defaultMode": pick(c, 0o644, 0o1000, -1)}
		case 4:
			v["emptyDir"] = obj{"sizeLimit": pick(c, quantities...), "medium": pick(c, "", "Memory", "Bogus")}
		default:
			v["hostPath"] = obj{"path": pick(c, "/var/log", "relative", ""), "type": pick(c, "Directory", "Bogus", "")}
		}
		p.appendTo(p.podSpec(), "volumes", v)
		if c.chance(60) {
			p.appendTo(p.someContainer(c), "volumeMounts", obj{"name": name, "mountPath": pick(c, "/data", "/cache", "rel")})
		}
	}},
	{"volumeMount", func(c *chooser, p *patch) {
		m := obj{"name": pick(c, "missing", "data"), "mountPath": pick(c, "/m", "", "rel", "/a:b")}
		if c.chance(40) {
			m["subPath"] = pick(c, "../x", "/abs", "ok/sub", "a/../..")
		}
		if c.chance(15) {
			m["subPathExpr"] = "$(POD)"
		}
		if c.chance(15) {
			m["mountPropagation"] = pick(c, "None", "Bidirectional", "Bogus")
		}
		if c.chance(15) {
			m["recursiveReadOnly"] = pick(c, "Enabled", "IfPossible", "Bogus")
		}
		if m["name"] == "data" {
			p.appendTo(p.podSpec(), "volumes", obj{"name": "data", "emptyDir": obj{}})
		}
		p.appendTo(p.someContainer(c), "volumeMounts", m)
	}},
	{"tolerations", func(c *chooser, p *patch) {
		t := obj{"key": pick(c, "k", "", "bad key!"), "operator": pick(c, "Equal", "Exists", "Bogus", "Lt")}
		if c.chance(50) {
			t["value"] = pick(c, "v", "bad value!", "5")
		}
		if c.chance(60) {
			t["effect"] = pick(c, "NoSchedule", "NoExecute", "PreferNoSchedule", "Bogus")
		}
		if c.chance(20) {
			t["tolerationSeconds"] = pick(c, 10, -1)
		}
		p.appendTo(p.podSpec(), "tolerations", t)
	}},
	{"nodeSelector", func(c *chooser, p *patch) {
		p.at("spec", "template", "spec", "nodeSelector")[pick(c, append(badLabelKeys, "disktype")...)] = pick(c, badLabelValues...)
	}},
	{"affinity", func(c *chooser, p *patch) {
		var a obj
		switch c.intn(4) {
		case 0:
			a = obj{"nodeAffinity": obj{"requiredDuringSchedulingIgnoredDuringExecution": obj{"nodeSelectorTerms": []any{}}}}
		case 1:
			a = obj{"nodeAffinity": obj{"requiredDuringSchedulingIgnoredDuringExecution": obj{"nodeSelectorTerms": []any{obj{
				"matchExpressions": []any{obj{"key": pick(c, "zone", "bad key!"), "operator": pick(c, "In", "Bogus", "Exists", "Gt"), "values": pick[any](c, []any{}, []any{"a"}, nil)}}}}}}}
		case 2:
			a = obj{"podAntiAffinity": obj{"requiredDuringSchedulingIgnoredDuringExecution": []any{obj{
				"topologyKey": pick(c, "", "kubernetes.io/hostname"), "labelSelector": obj{"matchLabels": obj{"app": "x"}}}}}}
		default:
			a = obj{"podAffinity": obj{"preferredDuringSchedulingIgnoredDuringExecution": []any{obj{
				"weight": pick(c, 0, 1, 101), "podAffinityTerm": obj{"topologyKey": "zone"}}}}}
		}
		p.podSpec()["affinity"] = a
	}},
	{"topologySpread", func(c *chooser, p *patch) {
		t := obj{"maxSkew": pick(c, 0, 1, -1), "topologyKey": pick(c, "", "zone", "bad key!"),
			"whenUnsatisfiable": pick(c, "DoNotSchedule", "ScheduleAnyway", "Bogus")}
		if c.chance(30) {
			t["minDomains"] = pick(c, 0, 2)
		}
		p.appendTo(p.podSpec(), "topologySpreadConstraints", t)
	}},
	{"strategy", func(c *chooser, p *patch) {
		s := p.at("spec", "strategy")
		switch c.intn(4) {
		case 0:
			s["type"] = "Recreate"
			s["rollingUpdate"] = obj{"maxSurge": 1}
		case 1:
			s["rollingUpdate"] = obj{"maxUnavailable": 0, "maxSurge": 0}
		case 2:
			s["rollingUpdate"] = obj{pick(c, "maxUnavailable", "maxSurge"): pick[any](c, "150%", "-1", -1, "25%", "x", 2)}
		default:
			s["type"] = pick(c, "Recreate", "RollingUpdate", "Bogus")
		}
	}},
	{"deployment-scalars", func(c *chooser, p *patch) {
		s := p.at("spec")
		switch c.intn(4) {
		case 0:
			s["revisionHistoryLimit"] = pick(c, -1, 0, 5)
		case 1:
			s["progressDeadlineSeconds"] = pick(c, 5, 600, 0)
			s["minReadySeconds"] = pick(c, 10, 0)
		case 2:
			s["minReadySeconds"] = pick(c, -1, 10)
		default:
			s["paused"] = true
		}
	}},
	{"init-container", func(c *chooser, p *patch) {
		ic := p.initContainer()
		switch c.intn(4) {
		case 0:
			ic["restartPolicy"] = "Always"
			ic[pick(c, "livenessProbe", "readinessProbe", "startupProbe")] = obj{"exec": obj{"command": []any{"true"}}, "successThreshold": pick(c, 1, 2)}
		case 1:
			ic[pick(c, "livenessProbe", "readinessProbe", "startupProbe")] = obj{"exec": obj{"command": []any{"true"}}}
		case 2:
			ic["lifecycle"] = obj{"preStop": obj{"exec": obj{"command": []any{"true"}}}}
		default:
			ic["restartPolicy"] = pick(c, "Never", "OnFailure", "Always")
		}
	}},
	{"container-names", func(c *chooser, p *patch) {
		switch c.intn(4) {
		case 0:
			p.entry("containers", pick(c, "Bad_Name", "", strings.Repeat("n", 64)))["image"] = "x"
		case 1:
			p.entry("initContainers", p.worker)["image"] = "x"
		case 2:
			p.podSpec()["ephemeralContainers"] = []any{obj{"name": "debug", "image": "busybox"}}
		default:
			p.sidecar()
			p.entry("initContainers", "side")["image"] = "x"
		}
	}},
	{"pod-lists", func(c *chooser, p *patch) {
		ps := p.podSpec()
		switch c.intn(5) {
		case 0:
			ps["imagePullSecrets"] = []any{obj{"name": pick(c, "regcred", "", "Bad_Name")}}
		case 1:
			ps["hostAliases"] = []any{obj{"ip": pick(c, "10.0.0.1", "bogus"), "hostnames": []any{"a.example"}}}
		case 2:
			ps["readinessGates"] = []any{obj{"conditionType": pick(c, "example.com/ready", "bad type!")}}
		case 3:
			ps["schedulingGates"] = []any{obj{"name": pick(c, "example.com/gate", "bad gate!")}}
		default:
			ps["resourceClaims"] = []any{obj{"name": pick(c, "gpu", "Bad_Name")}}
		}
	}},
	// Ordinary, valid edits: accepted cases must happen too.
	{"valid", func(c *chooser, p *patch) {
		switch c.intn(7) {
		case 0:
			p.appendTo(p.container(), "env", obj{"name": "LOG_LEVEL", "value": "debug"})
		case 1:
			p.container()["resources"] = obj{"limits": obj{"memory": "1Gi"}}
		case 2:
			p.at("spec", "template", "metadata", "annotations")["example.com/note"] = "x"
		case 3:
			p.appendTo(p.podSpec(), "volumes", obj{"name": "cache", "emptyDir": obj{}})
			p.appendTo(p.container(), "volumeMounts", obj{"name": "cache", "mountPath": "/cache"})
		case 4:
			p.sidecar()
		case 5:
			p.appendTo(p.podSpec(), "tolerations", obj{"key": "dedicated", "operator": "Equal", "value": "workers", "effect": "NoSchedule"})
		default:
			p.at("metadata", "labels")["tier"] = "backend"
		}
	}},
}...)...)

// serviceMutations are the edits a user can make in spec.customService.
var serviceMutations = append(metadataMutations(), []mutation{
	{"type", func(c *chooser, p *patch) {
		s := p.at("spec")
		s["type"] = pick(c, "ExternalName", "NodePort", "LoadBalancer", "ClusterIP", "Bogus", "nodeport")
		if s["type"] == "ExternalName" && c.chance(60) {
			s["externalName"] = pick(c, "db.example.com", "Bad_Name", "10.0.0.1")
		}
	}},
	{"ports", func(c *chooser, p *patch) {
		s := p.at("spec")
		switch c.intn(4) {
		case 0:
			s["ports"] = nil
		case 1:
			s["ports"] = []any{obj{"$patch": "replace"}}
		case 2:
			s["ports"] = []any{}
		default:
			port := obj{"port": pick(c, ports[:9]...)}
			if n := pick(c, portNames...); n != nil {
				port["name"] = n
			}
			if c.chance(60) {
				port["targetPort"] = pick(c, ports...)
			}
			if pr := pick(c, protocols...); pr != nil {
				port["protocol"] = pr
			}
			if c.chance(25) {
				port["nodePort"] = pick(c, 30001, 40000, 0, -1)
			}
			if c.chance(15) {
				port["appProtocol"] = pick(c, "http", "example.com/proto", "a/b/c", "bad proto")
			}
			p.appendTo(s, "ports", port)
		}
	}},
	{"http-port", func(c *chooser, p *patch) {
		port := obj{"port": 3003}
		switch c.intn(4) {
		case 0:
			port["targetPort"] = pick(c, ports...)
		case 1:
			port["name"] = pick(c, portNames...)
		case 2:
			port["nodePort"] = pick(c, 30001, 40000)
		default:
			port["protocol"] = pick(c, protocols...)
		}
		p.appendTo(p.at("spec"), "ports", port)
	}},
	{"sessionAffinity", func(c *chooser, p *patch) {
		s := p.at("spec")
		s["sessionAffinity"] = pick(c, "ClientIP", "None", "Bogus")
		if c.chance(50) {
			s["sessionAffinityConfig"] = obj{"clientIP": obj{"timeoutSeconds": pick(c, 0, 10, 86401)}}
		}
	}},
	{"clusterIP", func(c *chooser, p *patch) {
		s := p.at("spec")
		switch c.intn(3) {
		case 0:
			s["clusterIP"] = pick(c, "x", "None", "10.0.0.5", "10.9.0.5", "", "::1")
		case 1:
			s["clusterIPs"] = []any{pick(c, "10.0.0.5", "None", "x"), pick(c, "10.0.0.6", "fd00::1")}
		default:
			s["clusterIP"] = "10.0.0.7"
			s["clusterIPs"] = []any{pick(c, "10.0.0.8", "10.0.0.7")}
		}
	}},
	{"ipFamilies", func(c *chooser, p *patch) {
		s := p.at("spec")
		if c.chance(60) {
			s["ipFamilies"] = []any{pick(c, "IPv4", "IPv6", "bogus")}
		}
		if c.chance(60) {
			s["ipFamilyPolicy"] = pick(c, "SingleStack", "PreferDualStack", "RequireDualStack", "Bogus")
		}
	}},
	{"traffic", func(c *chooser, p *patch) {
		s := p.at("spec")
		switch c.intn(6) {
		case 0:
			s["externalTrafficPolicy"] = pick(c, "Local", "Cluster", "Bogus")
		case 1:
			s["internalTrafficPolicy"] = pick(c, "Local", "Cluster", "Bogus")
		case 2:
			s["healthCheckNodePort"] = pick(c, 30002, -1)
		case 3:
			s["trafficDistribution"] = pick(c, "PreferClose", "PreferSameZone", "Bogus")
		case 4:
			s["publishNotReadyAddresses"] = true
		default:
			s["externalIPs"] = []any{pick(c, "1.2.3.4", "bogus", "0.0.0.0")}
		}
	}},
	{"loadBalancer", func(c *chooser, p *patch) {
		s := p.at("spec")
		switch c.intn(4) {
		case 0:
			s["loadBalancerSourceRanges"] = []any{pick(c, "10.0.0.0/8", "bad")}
		case 1:
			s["loadBalancerIP"] = pick(c, "1.2.3.4", "x")
		case 2:
			s["allocateLoadBalancerNodePorts"] = pick(c, true, false)
		default:
			s["loadBalancerClass"] = pick(c, "example.com/lb", "bad class!")
		}
	}},
	{"valid", func(c *chooser, p *patch) {
		switch c.intn(3) {
		case 0:
			p.appendTo(p.at("spec"), "ports", obj{"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"})
		case 1:
			p.at("metadata", "annotations")["service.beta.kubernetes.io/topology-mode"] = "Auto"
		default:
			p.at("spec")["sessionAffinity"] = "ClientIP"
		}
	}},
}...)

// genPatch builds a patch of 1 to 4 mutations.
func genPatch(c *chooser, muts []mutation, worker string) *patch {
	p := &patch{root: obj{}, worker: worker}
	for range 1 + c.intn(4) {
		m := muts[c.intn(len(muts))]
		p.used = append(p.used, m.name)
		m.fn(c, p)
	}
	return p
}
