package console

import (
	"net/http"
	"net/http/cookiejar"
	"slices"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// BenchmarkProducerTaskPage: a producer's task page as the console serves
// it, end to end over HTTP (the session and link checks in PostgreSQL and
// Temporal, the rollout's and cohort's status queries, the plan, the forms,
// the template), in the preparation phase with every form offered. It
// reports the median and the 95th percentile.
func BenchmarkProducerTaskPage(b *testing.B) {
	s := startSystem(b)
	w := testWave(b, "bench", time.Hour, waveDays{Apply: 6, ProducerCourse: 6, Teacher: 11, Due: 16, Start: 18})
	id := startOn(b, s, "GM0344", w)
	if _, err := s.rollout.Act(b.Context(), id, plan.ActApply, &plan.ProducerApplication{
		Organisation: "Welzijn Utrecht", Kind: "welzijnsinstelling", ContactName: "Fatma Yilmaz", ContactEmail: "f.yilmaz@example.nl"}); err != nil {
		b.Fatal(err)
	}
	link := linkIn(b, mailTo(b, s, "producer-course-invitation", "f.yilmaz@example.nl", id))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(url string) {
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", url, resp.StatusCode)
		}
	}
	get(link) // follows the redirect to /taak
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		get(s.url + "/taak")
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
}
