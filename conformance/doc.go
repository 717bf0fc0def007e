// Package conformance holds tests only: it checks that what eds-fn accepts
// the API server accepts, and that what eds-fn refuses in the API server's
// name the API server refuses too.
//
// The API server is kube-apiserver's own create path, run in process
// (apiserver.go): the registry's REST storage of Deployments, Pods and
// Services, and the strategies of ServiceAccounts and PodDisruptionBudgets.
// A Deployment is checked twice: its own create, and the create of a pod
// of it as the controllers make one (the Deployment controller's
// ReplicaSet name and pod-template-hash label, the ReplicaSet controller's
// GetPodFromTemplate: the template's labels, annotations, finalizers and
// spec, a generated name and the ReplicaSet as controller), whose errors
// are given at their place in the template.
//
// The differential corpus (differential_test.go, patchgen_test.go) feeds
// random hostile customDeployment and customService patches to eds-fn and
// compares its verdict with the API server's:
//
//   - eds-fn accepts: every object it emits is created, and so is a pod of
//     its Deployment (else "eds-fn accepts, the API server refuses", a
//     failure, unless every refusal depends on the cluster's flags: its
//     service CIDR, its IP families);
//   - eds-fn says "the API server refuses this Deployment" (or the
//     Service): the create of the merged object refuses that field; "...
//     this Deployment's pods": the create of a pod of it refuses that field
//     (else "eds-fn says the API server refuses, the API server accepts", a
//     failure, or, when the create refuses other fields, informational).
//
// The test links one k8s.io/kubernetes, this module's (v1.37.2), for the
// API server and for eds-fn alike; eds-fn's releases link the version of
// its own go.mod. The report's first line names both: where their rules
// differ, this test does not see it.
package conformance
