package console

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jmoiron/sqlx"
)

// hashedStore keeps sessions in PostgreSQL under the SHA-256 of their token,
// so a copy of the table signs nobody in.
type hashedStore struct{ inner *postgresstore.PostgresStore }

func hashKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s hashedStore) Find(token string) ([]byte, bool, error) { return s.inner.Find(hashKey(token)) }
func (s hashedStore) Delete(token string) error               { return s.inner.Delete(hashKey(token)) }
func (s hashedStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.inner.Commit(hashKey(token), b, expiry)
}

// Session keys.
const (
	keyStaff = "staff" // the signed-in member's ID
	keyCSRF  = "csrf"
	keyFlash = "flash"
)

// newSessions keeps sessions in PostgreSQL, with an idle and an absolute
// expiry; cookies are HttpOnly, SameSite=Lax (a link in an e-mail must
// bring the session along) and Secure over HTTPS.
func newSessions(db *sqlx.DB, secure bool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = hashedStore{postgresstore.NewWithCleanupInterval(db.DB, 10*time.Minute)}
	sm.IdleTimeout = IdleTimeout
	sm.Lifetime = Lifetime
	sm.Cookie.Name = "amwaht_sessie"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	sm.Cookie.Path = "/"
	return sm
}
