package v1alpha1

import (
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
func (s *EventDrivenServiceSpec) validateVolumes(p *field.Path) field.ErrorList {
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
	return errs
}
