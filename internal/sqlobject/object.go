package sqlobject

import (
	"fmt"
	"regexp"
	"strings"
)

// Object is one SQL object file.
type Object struct {
	Path string // slash-separated, relative to the repository root, e.g. "functions/010_text_set.sql"
	SQL  string // the file's text
}

// Drop is the statement that removes the object, derived from its CREATE. A
// function's drop names its arguments, which tells overloads apart: without
// them PostgreSQL refuses to drop a name that has several.
func (o Object) Drop() (string, error) {
	if m := createFunction.FindStringSubmatchIndex(o.SQL); m != nil {
		args, err := functionArgs(o.SQL[m[1]:])
		if err != nil {
			return "", fmt.Errorf("%s: %w", o.Path, err)
		}
		return fmt.Sprintf("DROP FUNCTION IF EXISTS %s(%s);", o.SQL[m[2]:m[3]], args), nil
	}
	if m := createView.FindStringSubmatch(o.SQL); m != nil {
		return fmt.Sprintf("DROP VIEW IF EXISTS %s;", m[1]), nil
	}
	if m := createTrigger.FindStringSubmatch(o.SQL); m != nil {
		return fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s;", m[1], m[2]), nil
	}
	return "", fmt.Errorf("%s: no CREATE OR REPLACE FUNCTION, VIEW or TRIGGER found", o.Path)
}

var (
	createFunction = regexp.MustCompile(`(?is)CREATE\s+OR\s+REPLACE\s+FUNCTION\s+([\w."]+)\s*\(`)
	createView     = regexp.MustCompile(`(?is)CREATE\s+OR\s+REPLACE\s+VIEW\s+([\w."]+)`)
	createTrigger  = regexp.MustCompile(`(?is)CREATE\s+OR\s+REPLACE\s+TRIGGER\s+([\w"]+)\s.*?\bON\s+([\w."]+)`)
)

// functionArgs reads a CREATE FUNCTION's argument list from just after its
// opening parenthesis to the closing one and returns it as DROP FUNCTION takes
// it: arguments without their defaults, comments dropped, white space
// collapsed, joined by ", ".
func functionArgs(s string) (string, error) {
	var args []string
	var arg strings.Builder
	depth := 0
	inDefault := false         // past this argument's DEFAULT or =
	word := func(i int) bool { // s[i] is part of an identifier
		c := s[i]
		return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	add := func(text string) {
		if !inDefault {
			arg.WriteString(text)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				return "", fmt.Errorf("unterminated argument list")
			}
			i += end - 1
			add(" ")
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i:], "*/")
			if end < 0 {
				return "", fmt.Errorf("unterminated comment in argument list")
			}
			i += end + 1
			add(" ")
		case c == '\'' || c == '"':
			end := i + 1
			for end < len(s) && (s[end] != c || end+1 < len(s) && s[end+1] == c) {
				if s[end] == c {
					end++ // a doubled quote
				}
				end++
			}
			if end >= len(s) {
				return "", fmt.Errorf("unterminated quote in argument list")
			}
			add(s[i : end+1])
			i = end
		case c == '(':
			depth++
			add("(")
		case c == ')' && depth > 0:
			depth--
			add(")")
		case c == ')' || c == ',' && depth == 0:
			if a := strings.Join(strings.Fields(arg.String()), " "); a != "" {
				args = append(args, a)
			}
			arg.Reset()
			inDefault = false
			if c == ')' {
				return strings.Join(args, ", "), nil
			}
		case depth == 0 && c == '=':
			inDefault = true
		case depth == 0 && len(s)-i > len("default") && strings.EqualFold(s[i:i+len("default")], "default") &&
			(i == 0 || !word(i-1)) && !word(i+len("default")):
			inDefault = true
		default:
			add(string(c))
		}
	}
	return "", fmt.Errorf("unterminated argument list")
}
