package v1alpha1

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	msgVolumeTwice  = `is the name of another volume of spec.volumes: each volume needs its own name`
	msgMountNoVol   = `names no volume of spec.volumes: add the volume there, or fix the name`
	msgMountTwice   = `is mounted twice: mount each path once`
	msgMountNoPath  = `the absolute path in the container, for example "/var/cache/worker"`
	msgVolumeNoName = `a DNS label that volumeMounts refer to, for example "cache"`
)

// validateVolumes checks what users get wrong most with spec.volumes and
// spec.volumeMounts; the rest of Kubernetes' rules (one source per volume,
// a source's own fields, subPath) are the API server's validation of the
// generated Deployment, reported at the same paths.
func (s *EventDrivenServiceSpec) validateVolumes(p *field.Path, service string) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	for i, v := range s.Volumes {
		np := p.Child("volumes").Index(i).Child("name")
		if v.Name == "" {
			errs = append(errs, field.Required(np, msgVolumeNoName))
			continue
		}
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			errs = append(errs, field.Invalid(np, v.Name, msg))
		}
		if names[v.Name] {
			errs = append(errs, field.Invalid(np, v.Name, msgVolumeTwice))
		}
		names[v.Name] = true
	}
	paths := map[string]bool{}
	for i, m := range s.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		// customDeployment may add the volume: the generator checks the
		// patched pod.
		if m.Name != "" && !names[m.Name] && s.CustomDeployment == nil {
			errs = append(errs, field.Invalid(mp.Child("name"), m.Name, msgMountNoVol))
		}
		switch {
		case m.MountPath == "":
			errs = append(errs, field.Required(mp.Child("mountPath"), msgMountNoPath))
		case paths[m.MountPath]:
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, msgMountTwice))
		}
		paths[m.MountPath] = true
	}
	return append(errs, s.validateContainers(p, service, names)...)
}

const (
	msgContainerNameTaken = `is the name of another container of the pod (%s); give each container its own name`
)

// validateContainers checks spec.initContainers and spec.sidecars: names
// unique in the pod, images, environment variables and mounts.
func (s *EventDrivenServiceSpec) validateContainers(p *field.Path, service string, volumes map[string]bool) field.ErrorList {
	var errs field.ErrorList
	taken := map[string]string{service: "the worker, named after the service"}
	if s.InitContainer != nil {
		taken["init"] = "spec.initContainer's"
	}
	for _, list := range []struct {
		name  string
		items []Container
	}{{"sidecars", s.Sidecars}, {"initContainers", s.InitContainers}} {
		for i, c := range list.items {
			cp := p.Child(list.name).Index(i)
			switch {
			case c.Name == "":
				errs = append(errs, field.Required(cp.Child("name"), `a DNS label such as "log-shipper"`))
			case taken[c.Name] != "":
				errs = append(errs, field.Invalid(cp.Child("name"), c.Name, fmt.Sprintf(msgContainerNameTaken, taken[c.Name])))
			default:
				for _, msg := range validation.IsDNS1123Label(c.Name) {
					errs = append(errs, field.Invalid(cp.Child("name"), c.Name, msg))
				}
				taken[c.Name] = cp.String()
			}
			if c.Image != "" && c.Image != s.Image {
				errs = append(errs, validateImage(c.Image, cp.Child("image"))...)
			}
			seen := map[string]*field.Path{}
			for j, e := range c.Env {
				errs = append(errs, checkEnvName(e.Name, cp.Child("env").Index(j).Child("name"), seen, "LOG_LEVEL")...)
			}
			if c.Resources != nil {
				for _, rl := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
					for name := range rl {
						if !validResourceName(string(name)) {
							errs = append(errs, field.Invalid(cp.Child("resources"), string(name), msgResourceName))
						}
					}
				}
			}
			paths := map[string]bool{}
			for j, m := range c.VolumeMounts {
				mp := cp.Child("volumeMounts").Index(j)
				if m.Name != "" && !volumes[m.Name] && s.CustomDeployment == nil {
					errs = append(errs, field.Invalid(mp.Child("name"), m.Name, msgMountNoVol))
				}
				if paths[m.MountPath] {
					errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, msgMountTwice))
				}
				paths[m.MountPath] = true
			}
		}
	}
	return errs
}
