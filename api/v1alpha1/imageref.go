package v1alpha1

import (
	"errors"
	"fmt"
	"strings"
)

// This file is the image-reference grammar of github.com/distribution/reference
// v0.6.0 (ParseNormalizedNamed, with go-digest v1.0.0's digest check), written
// as a scanner. The library compiles about fifteen regular expressions at
// package init: 1.2 ms and 500 KB of every run, a tenth of a one-service run,
// for two calls. Compiling them lazily would only move that cost into
// validation, which every run does. The tests compare this file with the
// library on generated and fuzzed input: same answer, same error text.

// The library's error texts: users read them inside our message.
var (
	errRefFormat     = errors.New("invalid reference format")
	errRefUppercase  = errors.New("repository name must be lowercase")
	errRefTooLong    = errors.New("repository name must not be more than 255 characters")
	errDigestFormat  = errors.New("invalid checksum digest format")
	errDigestLength  = errors.New("invalid checksum digest length")
	errDigestUnknown = errors.New("unsupported digest algorithm")
)

// imageRef is what validation needs of a parsed reference.
type imageRef struct {
	domain, path, tag, digest string
}

// parseImageRef answers as reference.ParseNormalizedNamed does.
func parseImageRef(s string) (imageRef, error) {
	if len(s) == 64 && span(s, digits+"abcdef") == 64 {
		return imageRef{}, fmt.Errorf("invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s)
	}
	domain, remainder := splitDockerDomain(s)
	remote, _, _ := strings.Cut(remainder, ":")
	// strings.ToLower as the library uses it: it also "changes" non-ASCII
	// letters and invalid UTF-8, which decides the error text.
	if strings.ToLower(remote) != remote {
		return imageRef{}, fmt.Errorf("invalid reference format: repository name (%s) must be lowercase", remote)
	}
	return parseRef(domain + "/" + remainder)
}

// splitDockerDomain is the library's guess whether the first path element is
// a registry host, and its Docker Hub defaults: "redis" is
// "docker.io/library/redis".
func splitDockerDomain(name string) (domain, remainder string) {
	first, rest, ok := strings.Cut(name, "/")
	switch {
	case !ok:
		return "docker.io", "library/" + name
	case first == "localhost":
		domain, remainder = first, rest
	case first == "index.docker.io":
		domain, remainder = "docker.io", rest
	case strings.ContainsAny(first, ".:"), strings.ToLower(first) != first:
		domain, remainder = first, rest
	default:
		domain, remainder = "docker.io", name
	}
	if domain == "docker.io" && !strings.Contains(remainder, "/") {
		remainder = "library/" + remainder
	}
	return domain, remainder
}

// parseRef is reference.Parse: name[:tag][@digest].
func parseRef(s string) (imageRef, error) {
	ref, ok := matchRef(s)
	if !ok {
		// The library tries again in lower case to choose the error text.
		if _, ok := matchRef(strings.ToLower(s)); ok {
			return imageRef{}, errRefUppercase
		}
		return imageRef{}, errRefFormat
	}
	if len(ref.path) > 255 {
		return imageRef{}, errRefTooLong
	}
	if ref.digest != "" {
		if err := checkDigest(ref.digest); err != nil {
			return imageRef{}, err
		}
	}
	return ref, nil
}

// matchRef is the library's ReferenceRegexp and anchoredNameRegexp. The
// split is unambiguous: only the digest holds an '@'; a tag holds no '/' or
// ':', and a name ends in a path component, which holds no ':'.
func matchRef(s string) (ref imageRef, ok bool) {
	name, digest, hasDigest := strings.Cut(s, "@")
	if hasDigest {
		if !isDigest(digest) {
			return imageRef{}, false
		}
		ref.digest = digest
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 && !strings.Contains(name[i:], "/") {
		if !isTag(name[i+1:]) {
			return imageRef{}, false
		}
		name, ref.tag = name[:i], name[i+1:]
	}
	// The regexp takes the first element as the domain whenever it can.
	if first, rest, ok := strings.Cut(name, "/"); ok && isDomain(first) && isRemoteName(rest) {
		ref.domain, ref.path = first, rest
		return ref, true
	}
	ref.path = name
	return ref, isRemoteName(name)
}

// isRemoteName: path components separated by '/'.
func isRemoteName(s string) bool {
	for c := range strings.SplitSeq(s, "/") {
		if !isPathComponent(c) {
			return false
		}
	}
	return true
}

// isPathComponent: runs of [a-z0-9] joined by one separator: ".", "_", "__"
// or any number of '-'.
func isPathComponent(s string) bool {
	for {
		n := span(s, lowerAlnum)
		if n == 0 {
			return false
		}
		if s = s[n:]; s == "" {
			return true
		}
		sep := s[:span(s, "._-")]
		if sep != "." && sep != "_" && sep != "__" && (sep == "" || strings.Trim(sep, "-") != "") {
			return false
		}
		s = s[len(sep):]
	}
}

// isDomain: a host name or an IPv6 address in brackets, then an optional
// :port.
func isDomain(s string) bool {
	var port string
	hasPort := false
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']') + 1
		if end < 3 || span(s[1:end-1], hexDigits+":") != end-2 {
			return false
		}
		if port = s[end:]; port != "" {
			if port[0] != ':' {
				return false
			}
			port, hasPort = port[1:], true
		}
	} else {
		var host string
		host, port, hasPort = strings.Cut(s, ":")
		if !isHostName(host) {
			return false
		}
	}
	return !hasPort || port != "" && span(port, digits) == len(port)
}

// isHostName: labels of [A-Za-z0-9-] that neither start nor end with '-',
// joined by '.'.
func isHostName(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' || span(label, alnum+"-") != len(label) {
			return false
		}
	}
	return true
}

// isTag: [\w][\w.-]{0,127}.
func isTag(s string) bool {
	return s != "" && len(s) <= 128 && s[0] != '.' && s[0] != '-' && span(s, alnum+"_.-") == len(s)
}

// isDigest is the reference grammar's digest, looser than go-digest's:
// algorithm components [A-Za-z][A-Za-z0-9]* joined by one of "-_+.", a ':',
// and at least 32 hexadecimal digits in either case.
func isDigest(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	if !ok || len(hex) < 32 || span(hex, hexDigits) != len(hex) {
		return false
	}
	for {
		n := span(alg, alnum)
		if n == 0 || span(alg[:1], letters) == 0 {
			return false
		}
		if alg = alg[n:]; alg == "" {
			return true
		}
		if strings.IndexByte("-_+.", alg[0]) < 0 {
			return false
		}
		alg = alg[1:]
	}
}

// checkDigest is go-digest's Digest.Validate on a string isDigest accepted.
func checkDigest(d string) error {
	alg, hex, _ := strings.Cut(d, ":")
	var size int
	switch alg {
	case "sha256":
		size = 64
	case "sha384":
		size = 96
	case "sha512":
		size = 128
	default:
		// go-digest's own digest grammar has lower-case algorithms only.
		if strings.ToLower(alg) != alg {
			return errDigestFormat
		}
		return errDigestUnknown
	}
	if len(hex) != size {
		return errDigestLength
	}
	if strings.ToLower(hex) != hex {
		return errDigestFormat
	}
	return nil
}

// The grammar is ASCII: the regexps' classes match no other character.
const (
	digits     = "0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz" + digits
	letters    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	alnum      = letters + digits
	hexDigits  = digits + "abcdefABCDEF"
)

// span is the length of the prefix of s made of bytes in set.
func span(s, set string) int {
	return len(s) - len(strings.TrimLeft(s, set))
}
