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
	"sync/atomic"
	"time"

	"github.com/openrasa/analyticsdb/internal/pgurl"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/urfave/cli/v2"
)

func httpFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "http-address", EnvVars: []string{"HTTP_ADDRESS"}, Value: ":9477", Usage: "serve /livez, /readyz and /metrics (Prometheus) here; empty: off"},
		&cli.BoolFlag{Name: "pprof", EnvVars: []string{"PPROF"}, Usage: "also serve Go's /debug/pprof/ profiles, on --pprof-address"},
		&cli.StringFlag{Name: "pprof-address", EnvVars: []string{"PPROF_ADDRESS"}, Value: "127.0.0.1:6060",
			Usage: "where --pprof serves; loopback only (profiles show memory, which may hold messages)"},
	}
}

// healthFlags tune the probes of `run`.
func healthFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "live-timeout", EnvVars: []string{"LIVE_TIMEOUT"}, Value: loader.DefaultConfig().LiveTimeout,
			Usage: "/livez fails when the consumer loop has not polled (nor a writer finished an attempt) for this long"},
		&cli.DurationFlag{Name: "start-timeout", EnvVars: []string{"START_TIMEOUT"},
			Usage: "how long to wait for PostgreSQL, then for Kafka, at start (retrying with backoff, logged); 0: until stopped"},
	}
}

// serveHTTP serves the loader's probes and metrics until the returned stop
// is called, from before the loader exists (it may be waiting for
// PostgreSQL): until ready.Store gives it one, /livez answers 200 (waiting
// is progress, and is logged) and the others 503.
//
//   - /livez: 200 unless the consumer loop stopped polling (loader.Live);
//     for liveness probes.
//   - /readyz: 200 while PostgreSQL answers and, when consuming, a broker
//     answers and a partition is assigned (loader.Ready); for readiness.
//   - /healthz: deprecated, kept for existing probes: 200 while PostgreSQL
//     answers a ping, as before /livez and /readyz.
//   - /metrics: Prometheus.
func serveHTTP(c *cli.Context, ready *atomic.Pointer[loader.Loader], log *slog.Logger) (stop func(), err error) {
	addr := c.String("http-address")
	if addr == "" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	probe := func(path string, starting error, check func(*loader.Loader, context.Context) error) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			err := starting
			if l := ready.Load(); l != nil {
				err = check(l, ctx)
			}
			if err != nil {
				http.Error(w, pgurl.Redact(err.Error()), http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ok\n"))
		})
	}
	waiting := errors.New("starting: waiting for PostgreSQL")
	probe("/livez", nil, func(l *loader.Loader, _ context.Context) error { return l.Live() })
	probe("/readyz", waiting, (*loader.Loader).Ready)
	probe("/healthz", waiting, (*loader.Loader).Ping)
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		l := ready.Load()
		if l == nil {
			http.Error(w, waiting.Error(), http.StatusServiceUnavailable)
			return
		}
		promhttp.HandlerFor(l.Gatherer(), promhttp.HandlerOpts{ErrorLog: slogPrinter{log}}).ServeHTTP(w, r)
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
	log.Info("serving /livez, /readyz and /metrics", "address", ln.Addr().String())
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

// healthcheckCommand probes a running loader's /readyz (or --path), for
// container healthchecks in images without a shell (the Dockerfile's
// distroless base).
func healthcheckCommand() *cli.Command {
	return &cli.Command{
		Name:  "healthcheck",
		Usage: "exit 0 when the loader at --http-address answers --path with 200, 1 otherwise",
		Flags: append(httpFlags(), &cli.StringFlag{Name: "path", Value: "/readyz", Usage: "/readyz, /livez (or the deprecated /healthz)"}),
		Action: func(c *cli.Context) error {
			addr := c.String("http-address")
			if strings.HasPrefix(addr, ":") {
				addr = "127.0.0.1" + addr
			}
			client := &http.Client{Timeout: 3 * time.Second}
			resp, err := client.Get("http://" + addr + "/" + strings.TrimPrefix(c.String("path"), "/"))
			if err != nil {
				return cli.Exit("unhealthy: "+err.Error(), 1)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				return cli.Exit("unhealthy: "+resp.Status+": "+strings.TrimSpace(string(body)), 1)
			}
			return nil
		},
	}
}

// slogPrinter logs promhttp's errors (a collector that failed) as warnings.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Warn("metrics: " + fmt.Sprint(v...)) }
