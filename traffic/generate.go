package traffic

import (
	"bufio"
	"context"
	"io"
	"sort"
	"time"
)

// Message is one Kafka record as Rasa's Kafka event broker produces it.
//
// Key, Value and the Headers' values are only valid during the emit call:
// the generator reuses its buffers, so copy what you keep.
type Message struct {
	// Key is the sender id (Rasa partition_by_sender: true); nil for some
	// deliberately bad messages that lack a sender_id.
	Key []byte
	// Value is the event as Python json.dumps writes it.
	Value []byte
	// Headers holds RASA_ENVIRONMENT.
	Headers []Header
	// Time is the event's timestamp (for bad messages, the neighbouring event's).
	Time time.Time
}

// Header is a Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Stats counts what Generate emitted.
type Stats struct {
	// Messages is everything emitted: events, duplicates and bad messages.
	Messages int
	// Events counts distinct well-formed events (Messages - Duplicates - Bad).
	Events int
	// Sessions counts session starts (action_session_start, including after a
	// restart, and Rasa 3.16 resumptions with a new session_id).
	Sessions int
	Senders  int
	// Duplicates are the second copies of messages emitted twice.
	Duplicates int
	// Bad counts malformed messages (BadRate).
	Bad int
	// Quirks counts user events with NaN/Infinity or huge-integer oddities (QuirkRate).
	Quirks int
	// ByType counts Events by their "event" value.
	ByType map[string]int
}

// Generate writes a stream of Rasa events, calling emit for each message in
// stream order. The output depends only on cfg. It stops early when ctx is
// done or emit fails, returning that error and the counts so far.
func Generate(ctx context.Context, cfg Config, emit func(Message) error) (Stats, error) {
	g, err := newGen(cfg)
	if err != nil {
		return Stats{}, err
	}
	g.emit = emit
	err = g.run(ctx)
	return g.finish(), err
}

// WriteJSONL writes the stream as JSON lines, one value per line: the format
// of `rasa export` and of the loader's file input.
func WriteJSONL(ctx context.Context, cfg Config, w io.Writer) (Stats, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	st, err := Generate(ctx, cfg, func(m Message) error {
		if _, err := bw.Write(m.Value); err != nil {
			return err
		}
		return bw.WriteByte('\n')
	})
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return st, err
}

const noArrival = int64(-1 << 62)

// hourly arrival intensity (UTC hour of day); weekends get 70 %
var diurnal = [24]float64{
	0.16, 0.10, 0.07, 0.06, 0.07, 0.12, 0.25, 0.45, 0.75, 1.0, 1.15, 1.2,
	1.15, 1.15, 1.2, 1.2, 1.15, 1.05, 0.95, 0.85, 0.75, 0.6, 0.42, 0.26,
}

type gen struct {
	cfg      Config
	seed     uint64
	assts    []*asstC
	asstCum  []float64
	sessCum  []float64
	startUs  int64
	spanUs   int64
	hourCum  []float64
	hourW    []float64
	maxW     float64
	totalW   float64
	arr      rng // arrival times
	out      rng // duplicates, bad messages, quirks
	headers  []Header
	active   sheap
	idle     sheap
	idleCap  int
	free     []*sender
	bufs     [][]byte
	evbufs   [][]evRef
	uPos     float64
	nextArr  int64
	vnow     int64 // virtual clock of the conversations in progress
	planned  uint64
	stopNew  bool
	doneSnd  int
	doneEvs  int
	finSess  int // sessions whose sender moved on (next session or done)
	finEvs   int // their events
	flyN     int // sessions in flight
	flyEvs   int // their events so far
	counts   [numEv]int
	stats    Stats
	emit     func(Message) error
	ops      []byte
	extra    []byte
	tmp      []byte
	bad      []byte
	sinceCtx int
}

func newGen(cfg Config) (*gen, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, seed: uint64(cfg.Seed)}
	g.startUs = cfg.Start.UnixMicro()
	g.spanUs = int64(cfg.Days) * day
	g.assts, g.asstCum, err = compileAssistants(cfg.Assistants, g.startUs, g.spanUs)
	if err != nil {
		return nil, err
	}
	g.sessCum = cumulative(cfg.SessionsPerSender)
	g.arr = newRNG(g.seed, 1<<40)
	g.out = newRNG(g.seed, 1<<41)
	g.headers = []Header{{Key: "RASA_ENVIRONMENT", Value: []byte(cfg.Environment)}}
	g.idleCap = max(16384, 256*cfg.Concurrency)
	hours := cfg.Days * 24
	g.hourCum = make([]float64, hours)
	g.hourW = make([]float64, hours)
	t := cfg.Start
	total := 0.0
	for h := range hours {
		w := diurnal[t.Hour()]
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.7
		}
		total += w
		g.hourCum[h] = total
		g.hourW[h] = w
		g.maxW = max(g.maxW, w)
		t = t.Add(time.Hour)
	}
	g.totalW = total
	g.active = make(sheap, 0, cfg.Concurrency)
	g.stats.ByType = map[string]int{}
	return g, nil
}

func (g *gen) finish() Stats {
	for t, n := range g.counts {
		if n > 0 {
			g.stats.ByType[evNames[t]] = n
		}
	}
	return g.stats
}

func (g *gen) run(ctx context.Context) error {
	g.planArrival()
	for {
		if g.sinceCtx >= 1024 {
			g.sinceCtx = 0
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		g.admit()
		if len(g.active) == 0 {
			return ctx.Err()
		}
		s := g.active[0]
		g.vnow = s.key64
		if err := g.emitEvent(s, s.evs[s.pos]); err != nil {
			return err
		}
		s.pos++
		if s.pos < len(s.evs) {
			if next := s.evs[s.pos].ts; !g.cfg.TimeOrdered && next-s.evs[s.pos-1].ts > stepOut {
				// a pause inside the chunk (a slow bot): rejoin in real-time order
				g.active.pop()
				s.key64 = next
				g.idle.push(s)
				continue
			}
			s.key64 = s.evs[s.pos].ts + s.shift
			g.active.fix(0)
			continue
		}
		g.chunkDone(s)
	}
}

// admit fills the set of conversations in progress up to Concurrency with
// the next senders in real-time order: new arrivals and senders returning
// from a pause (a later session, a timed-out session's end event, ...).
//
// The conversations in progress are replayed side by side: each is shifted
// onto a shared virtual clock when admitted, and events are emitted in the
// order of that clock. So Concurrency conversations always interleave the
// way simultaneous chats do, whatever the traffic level, while every event
// keeps its own timestamp from the Days-long schedule. Because senders are
// admitted in the order of their real start times, the stream is roughly
// time-ordered: timestamps within a window of the output differ by about
// Concurrency inter-arrival times.
func (g *gen) admit() {
	for len(g.active) < g.limit() {
		haveIdle := len(g.idle) > 0
		haveArr := !g.stopNew && g.nextArr != noArrival
		if !haveIdle && !haveArr {
			return
		}
		fromIdle := haveIdle && (!haveArr || g.idle[0].key64 <= g.nextArr)
		if g.cfg.TimeOrdered && len(g.active) > 0 {
			due := g.nextArr
			if fromIdle {
				due = g.idle[0].key64
			}
			if due > g.active[0].key64 {
				return // not yet: the stream stays in timestamp order
			}
		}
		var s *sender
		if fromIdle {
			s = g.idle.pop()
		} else {
			s = g.newSender(g.nextArr)
			g.planArrival()
		}
		if !g.stopNew && (s.next == kStart || s.next == kResume) && s.pos == len(s.evs) && g.budgetReached() {
			g.stopNew = true
		}
		if g.stopNew && (s.next == kStart || s.next == kResume) && s.pos == len(s.evs) {
			g.release(s)
			continue
		}
		if !fromIdle {
			g.stats.Senders++
		}
		if s.pos == len(s.evs) {
			g.takeBuffers(s)
			s.fill()
		}
		first := s.evs[s.pos].ts
		if !g.cfg.TimeOrdered {
			s.shift = g.vnow + g.out.between(0, 500*ms) - first
		}
		s.key64 = first + s.shift
		g.active.push(s)
	}
}

// limit is the number of conversations kept in progress: Concurrency at
// the busiest hour, fewer at quiet hours (following the arrival rhythm).
func (g *gen) limit() int {
	t := g.nextArr
	if len(g.idle) > 0 && (t == noArrival || g.idle[0].key64 < t) {
		t = g.idle[0].key64
	}
	if t == noArrival || g.cfg.TimeOrdered {
		return g.cfg.Concurrency
	}
	h := int((t - g.startUs) / hour)
	if h < 0 || h >= len(g.hourW) {
		return g.cfg.Concurrency
	}
	return max(1, int(float64(g.cfg.Concurrency)*g.hourW[h]/g.maxW+0.5))
}

// idleAfter: a sender whose next chunk is further away than this leaves the
// set of conversations in progress until then (and is readmitted in
// real-time order).
const idleAfter = 2 * minute

// stepOut: in the interleaved mode a sender leaves the set of
// conversations in progress at the end of every chunk (a turn, a session
// start, ...) and at any pause longer than this inside one (a slow bot), and
// rejoins in real-time order. So conversations interleave turn by turn and a
// long conversation does not drift away from the others in time.
const stepOut = 1 * sec

func (g *gen) chunkDone(s *sender) {
	s.plan()
	if !g.stopNew && (s.next == kStart || s.next == kResume) && g.budgetReached() {
		g.stopNew = true
	}
	if s.next == kDone || g.stopNew && (s.next == kStart || s.next == kResume) {
		g.active.pop()
		g.release(s)
		return
	}
	if !g.cfg.TimeOrdered || s.nextAt-s.t > idleAfter {
		g.active.pop()
		if len(g.idle) >= g.idleCap {
			// memory bound reached: this sender simply stops here
			g.release(s)
			return
		}
		g.putBuffers(s)
		s.key64 = s.nextAt // real time
		g.idle.push(s)
		return
	}
	s.fill()
	s.key64 = s.evs[0].ts + s.shift
	g.active.fix(0)
}

func (g *gen) emitEvent(s *sender, ev evRef) error {
	m := Message{Key: s.key, Value: s.buf[ev.start:ev.end], Headers: g.headers, Time: time.UnixMicro(ev.ts).UTC()}
	if err := g.emit(m); err != nil {
		return err
	}
	g.sinceCtx++
	g.stats.Messages++
	g.stats.Events++
	g.counts[ev.typ]++
	s.events++
	s.sessEvs++
	g.flyEvs++
	if g.cfg.DuplicateRate > 0 && g.out.chance(g.cfg.DuplicateRate) {
		if err := g.emit(m); err != nil {
			return err
		}
		g.stats.Messages++
		g.stats.Duplicates++
	}
	if g.cfg.BadRate > 0 && g.out.chance(g.cfg.BadRate) {
		if err := g.emitBad(s, ev); err != nil {
			return err
		}
	}
	if !g.stopNew && g.budgetReached() {
		g.stopNew = true
	}
	return nil
}

// budgetReached reports whether the events emitted plus those expected from
// the sessions in flight reach Config.Events; no new session starts then.
func (g *gen) budgetReached() bool {
	const prior, priorN = 54.0, 10.0
	per := (float64(g.finEvs) + prior*priorN) / (float64(g.finSess) + priorN)
	inflight := max(0, float64(g.flyN)*per-float64(g.flyEvs))
	return float64(g.stats.Events)+inflight >= float64(g.cfg.Events)
}

// ---------------------------------------------------------------- arrivals

// planArrival draws the next new sender's start. Arrivals follow the daily
// rhythm; their rate adapts so that the Events budget spreads over Days.
func (g *gen) planArrival() {
	const prior, priorN = 70.0, 25.0
	avg := (float64(g.doneEvs) + prior*priorN) / (float64(g.doneSnd) + priorN)
	remaining := float64(g.cfg.Events)/avg - float64(g.planned)
	g.planned++
	if remaining >= 2 {
		g.uPos += (g.totalW - g.uPos) / remaining * g.arr.exp()
	}
	if remaining < 2 || g.uPos >= g.totalW {
		// more senders than estimated: they arrive in the last part of the window
		g.uPos = min(g.uPos, g.totalW)
		g.uPos += (g.totalW - g.uPos) * 0.3 * g.arr.float()
	}
	g.nextArr = g.mapU(g.uPos)
}

// mapU turns a position on the cumulative intensity scale into a time.
func (g *gen) mapU(u float64) int64 {
	if u >= g.totalW {
		return g.startUs + g.spanUs + int64((u-g.totalW)/g.totalW*float64(g.spanUs))
	}
	h := sort.SearchFloat64s(g.hourCum, u)
	prev := 0.0
	if h > 0 {
		prev = g.hourCum[h-1]
	}
	frac := (u - prev) / (g.hourCum[h] - prev)
	return g.startUs + int64(h)*hour + int64(frac*float64(hour))
}

// ----------------------------------------------------------------- senders

const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func (g *gen) newSender(at int64) *sender {
	var s *sender
	if n := len(g.free); n > 0 {
		s = g.free[n-1]
		g.free = g.free[:n-1]
		*s = sender{key: s.key[:0], prefix: s.prefix[:0], mdTail: s.mdTail[:0], chMeta: s.chMeta[:0], phone: s.phone[:0]}
	} else {
		s = &sender{}
	}
	s.g = g
	s.seq = g.planned
	s.r = newRNG(g.seed, g.planned)
	r := &s.r
	s.a = g.assts[r.weighted(g.asstCum)]
	s.channel = s.a.chans[r.weighted(s.a.chanCum)]
	s.r316 = r.chance(g.cfg.Rasa316Share)
	if s.r316 {
		s.nlu = r.chance(0.04)
	} else {
		s.nlu = r.chance(0.12)
		s.feat = r.chance(0.10)
	}
	switch s.channel {
	case "socketio":
		s.trigger = r.chance(0.8)
		for range 20 {
			s.key = append(s.key, b64url[r.intn(64)])
		}
	case "slack":
		s.key = append(s.key, 'U')
		for range 10 {
			s.key = append(s.key, frameIDChars[r.intn(36)])
		}
	case "twilio":
		if r.chance(0.5) {
			s.key = append(s.key, "whatsapp:"...)
		}
		s.key = g.appendPhone(s.key, r)
	case "facebook":
		s.key = append(s.key, byte('1'+r.intn(9)))
		for range 15 {
			s.key = append(s.key, byte('0'+r.intn(10)))
		}
	case "telegram":
		s.key = append(s.key, byte('1'+r.intn(9)))
		for range 8 + r.intn(2) {
			s.key = append(s.key, byte('0'+r.intn(10)))
		}
	case "audiocodes":
		s.trigger = true
		s.key = appendUUID4(s.key, r)
		s.phone = g.appendPhone(s.phone, r)
	default:
		s.key = appendHex(s.key, r, 32)
	}
	s.prefix = append(s.prefix, `{"sender_id": "`...)
	s.prefix = append(s.prefix, s.key...)
	s.prefix = append(s.prefix, `", `...)
	if s.r316 {
		s.prefix = append(s.prefix, `"user_id": "usr_`...)
		s.prefix = appendHex(s.prefix, r, 8)
		s.prefix = append(s.prefix, `", `...)
	}
	s.prefix = append(s.prefix, `"event": "`...)
	s.left = 1 + r.weighted(g.sessCum)
	s.next, s.nextAt = kStart, at
	return s
}

func (g *gen) appendPhone(b []byte, r *rng) []byte {
	switch r.intn(3) {
	case 0:
		b = append(b, "+4915"...)
		for range 9 {
			b = append(b, byte('0'+r.intn(10)))
		}
	case 1:
		b = append(b, "+1"...)
		b = append(b, byte('2'+r.intn(8)))
		for range 9 {
			b = append(b, byte('0'+r.intn(10)))
		}
	default:
		b = append(b, "+447"...)
		for range 9 {
			b = append(b, byte('0'+r.intn(10)))
		}
	}
	return b
}

func (g *gen) release(s *sender) {
	g.endSession(s)
	g.doneSnd++
	g.doneEvs += s.events
	g.putBuffers(s)
	s.g, s.a, s.model, s.cur, s.intr = nil, nil, nil, nil, nil
	s.clar = [2]*flowC{}
	for i := range s.stack {
		s.stack[i] = frame{}
	}
	g.free = append(g.free, s)
}

// beginSession and endSession keep the session accounting behind budgetReached.
func (g *gen) beginSession(s *sender) {
	g.endSession(s)
	g.stats.Sessions++
	g.flyN++
	s.inSession = true
}

func (g *gen) endSession(s *sender) {
	if !s.inSession {
		return
	}
	g.flyN--
	g.flyEvs -= s.sessEvs
	g.finSess++
	g.finEvs += s.sessEvs
	s.sessEvs = 0
	s.inSession = false
}

func (g *gen) takeBuffers(s *sender) {
	if s.buf == nil {
		if n := len(g.bufs); n > 0 {
			s.buf = g.bufs[n-1]
			g.bufs = g.bufs[:n-1]
		}
	}
	if s.evs == nil {
		if n := len(g.evbufs); n > 0 {
			s.evs = g.evbufs[n-1]
			g.evbufs = g.evbufs[:n-1]
		}
	}
}

func (g *gen) putBuffers(s *sender) {
	if s.buf != nil {
		g.bufs = append(g.bufs, s.buf[:0])
		s.buf = nil
	}
	if s.evs != nil {
		g.evbufs = append(g.evbufs, s.evs[:0])
		s.evs = nil
	}
	s.pos = 0
}

// -------------------------------------------------------------------- heap

// sheap is a min-heap of senders by key64, ties broken by sequence number.
type sheap []*sender

func (h sheap) less(i, j int) bool {
	a, b := h[i], h[j]
	if a.key64 != b.key64 {
		return a.key64 < b.key64
	}
	return a.seq < b.seq
}

func (h sheap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx = i
	h[j].hidx = j
}

func (h *sheap) push(s *sender) {
	*h = append(*h, s)
	s.hidx = len(*h) - 1
	h.up(s.hidx)
}

func (h *sheap) pop() *sender {
	old := *h
	n := len(old) - 1
	old.swap(0, n)
	s := old[n]
	old[n] = nil
	*h = old[:n]
	if n > 0 {
		h.down(0)
	}
	return s
}

func (h sheap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h sheap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h sheap) down(i0 int) bool {
	i, n := i0, len(h)
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if r := j + 1; r < n && h.less(r, j) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
