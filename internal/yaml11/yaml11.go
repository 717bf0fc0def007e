// Package yaml11 holds the one rule this project uses to tell whether a
// string can be written as it is, unquoted, and be read back as the same
// string by every YAML reader it meets: YAML 1.1 (go-yaml v2, behind
// sigs.k8s.io/yaml) as well as YAML 1.2 (yaml.v3, behind kyaml). YAML 1.1 is
// the stricter one: it reads yes, No, on, OFF, y and n as booleans.
package yaml11

// MaxKeyLength is the longest mapping key that go-yaml v2 and yaml.v3 (both
// ports of libyaml) write as a simple "key:"; a longer one is written in the
// explicit "? key" form.
const MaxKeyLength = 128

// Word reports whether s is a plain word: it starts with an ASCII letter, has
// only ASCII letters, digits, the characters "-_./@=+" and colons (not
// last), and is not one of the words YAML 1.1 or 1.2 reads as a boolean or
// null. go-yaml v2 and yaml.v3 write such a word unquoted, as a value or a
// key (up to MaxKeyLength), and read it back as the string it is.
// Conservative: many other strings are plain too, and callers ask the
// libraries about those.
func Word(s string) bool {
	if s == "" || !letter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case letter(c), '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == '/', c == '@', c == '=', c == '+':
		case c == ':' && i < len(s)-1: // "a:" would be a mapping key
		default:
			return false
		}
	}
	return !BoolOrNull(s)
}

func letter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// BoolOrNull reports whether s is one of the letter words that YAML 1.1
// (go-yaml v2) reads as a boolean or null when plain; YAML 1.2 reads only
// true, false and null, in their three spellings, that way.
func BoolOrNull(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL":
		return true
	}
	return false
}
