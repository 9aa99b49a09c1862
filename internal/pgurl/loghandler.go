package pgurl

import (
	"context"
	"encoding"
	"fmt"
	"log/slog"
)

// RedactingHandler wraps a slog handler (text, JSON or any other) so that
// every record's message and attribute values pass through Redact before the
// handler formats them. A value that is not a string (an error, a Stringer, a
// struct) is formatted as the text handler would; when that text holds a
// password, the attribute becomes the redacted string, otherwise it stays as
// it was.
func RedactingHandler(h slog.Handler) slog.Handler {
	if r, ok := h.(redactingHandler); ok {
		return r
	}
	return redactingHandler{h}
}

type redactingHandler struct{ next slog.Handler }

func (h redactingHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return redactingHandler{h.next.WithAttrs(red)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		red := make([]any, len(group))
		for i, g := range group {
			red[i] = redactAttr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		if text, ok := anyText(v.Any()); ok {
			if red := Redact(text); red != text {
				return slog.String(a.Key, red)
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// anyText is how slog's text handler shows x; ok is false when that panics
// or fails (the handler then shows the failure, which holds no value).
func anyText(x any) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	switch x := x.(type) {
	case error:
		return x.Error(), true
	case encoding.TextMarshaler:
		b, err := x.MarshalText()
		return string(b), err == nil
	default:
		return fmt.Sprintf("%+v", x), true
	}
}
