package traffic

import (
	"math"
	"math/bits"
)

// rng is a small, fast, allocation-free generator (wyrand). Every sender owns
// one, seeded from the config seed and the sender's sequence number, so a
// conversation's content does not depend on how it is interleaved.
type rng struct{ s uint64 }

func newRNG(seed uint64, stream uint64) rng {
	return rng{s: splitmix(seed ^ splitmix(stream+0x9e3779b97f4a7c15))}
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (r *rng) u64() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// intn returns a number in [0, n); n must be > 0.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.u64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(r.intn(int(hi-lo+1)))
}

func (r *rng) float() float64 { return float64(r.u64()>>11) / (1 << 53) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return p > 0 && r.float() < p }

func (r *rng) norm() float64 {
	u1 := r.float()
	for u1 == 0 {
		u1 = r.float()
	}
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*r.float())
}

func (r *rng) exp() float64 { return -math.Log(1 - r.float()) }

// logNormalUs draws a log-normal duration in microseconds with the given
// median (µs) and sigma, clamped to [lo, hi].
func (r *rng) logNormalUs(median int64, sigma float64, lo, hi int64) int64 {
	v := int64(float64(median) * math.Exp(sigma*r.norm()))
	return min(max(v, lo), hi)
}

// logUniformUs draws uniformly on a log scale between lo and hi (µs).
func (r *rng) logUniformUs(lo, hi int64) int64 {
	l, h := math.Log(float64(lo)), math.Log(float64(hi))
	return int64(math.Exp(l + (h-l)*r.float()))
}

// weighted picks an index from cumulative weights (last element = total).
func (r *rng) weighted(cum []float64) int {
	x := r.float() * cum[len(cum)-1]
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	return len(cum) - 1
}

func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	t := 0.0
	for i, x := range w {
		t += x
		c[i] = t
	}
	return c
}
