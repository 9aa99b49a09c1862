package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

func httpFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "http-address", EnvVars: []string{"HTTP_ADDRESS"}, Value: ":9477", Usage: "serve /metrics (Prometheus) and /healthz here; empty: off"},
		&cli.BoolFlag{Name: "pprof", EnvVars: []string{"PPROF"}, Usage: "also serve Go's /debug/pprof/ profiles, on --pprof-address"},
		&cli.StringFlag{Name: "pprof-address", EnvVars: []string{"PPROF_ADDRESS"}, Value: "127.0.0.1:6060",
			Usage: "where --pprof serves; loopback only (profiles show memory, which may hold messages)"},
	}
}

// serveHTTP serves /metrics and /healthz until the returned stop is called.
// /healthz answers 200 while PostgreSQL answers a ping, else 503.
func serveHTTP(c *cli.Context, l *loader.Loader, log *slog.Logger) (stop func(), err error) {
	addr := c.String("http-address")
	if addr == "" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		var out strings.Builder
		l.WritePrometheus(&out)
		_, _ = io.WriteString(w, pgurl.Redact(out.String())) // label values (topics) are not ours to trust
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := l.Ping(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	stopProfiles := func() {}
	if c.Bool("pprof") {
		if stopProfiles, err = serveProfiles(c.String("pprof-address"), log); err != nil {
			ln.Close()
			return nil, err
		}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "error", err)
		}
	}()
	log.Info("serving /metrics and /healthz", "address", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		stopProfiles()
	}, nil
}

// serveProfiles serves Go's profiles on a loopback address of their own: a
// heap profile shows what the loader holds, messages included, so it is
// never served where /metrics is (often every interface).
func serveProfiles(addr string, log *slog.Logger) (stop func(), err error) {
	if err := requireLoopback(addr); err != nil { // run checked it, as a usage error
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("serving /debug/pprof/", "address", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// requireLoopback refuses a listen address that is not on the loopback
// interface (an empty host means every interface).
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof-address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--pprof-address %q: profiles are served on a loopback address only (127.0.0.1, ::1, localhost)", addr)
	}
	return nil
}

// healthcheckCommand probes a running loader's /healthz, for container
// healthchecks in images without a shell (the Dockerfile's distroless base).
func healthcheckCommand() *cli.Command {
	return &cli.Command{
		Name:  "healthcheck",
		Usage: "exit 0 when the loader at --http-address answers /healthz, 1 otherwise",
		Flags: httpFlags(),
		Action: func(c *cli.Context) error {
			addr := c.String("http-address")
			if strings.HasPrefix(addr, ":") {
				addr = "127.0.0.1" + addr
			}
			client := &http.Client{Timeout: 3 * time.Second}
			resp, err := client.Get("http://" + addr + "/healthz")
			if err != nil {
				return cli.Exit("unhealthy: "+err.Error(), 1)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return cli.Exit("unhealthy: "+resp.Status, 1)
			}
			return nil
		},
	}
}
