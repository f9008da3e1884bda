package plan

import "strings"

// Via is how an action reached a rollout.
type Via string

const (
	ViaConsole Via = "console" // a signed-in staff member
	ViaCLI     Via = "cli"     // the starter CLI (AMWAHT_ACTOR, else the operating-system user)
	ViaLink    Via = "link"    // a party's personal link from a task e-mail
	ViaScript  Via = "script"  // the scripted demo actor
	// ViaWebhook is SendGrid's signed Event Webhook telling a rollout that an
	// e-mail did not arrive (rollout.UpdateUndelivered); no staff action
	// comes this way.
	ViaWebhook Via = "webhook"
)

// Actor is who did an action. It travels with every Update, so the
// history holds it and the status shows it per step.
type Actor struct {
	Via   Via    `json:"via"`
	Name  string `json:"name"`            // the staff member, the CLI's user, or the party's organisation
	Party Party  `json:"party,omitempty"` // via a link: whose link
}

// Check refuses an actor without a name or with an over-long one.
func (a Actor) Check() Problems {
	var ps Problems
	switch a.Via {
	case ViaConsole, ViaCLI, ViaLink, ViaScript, ViaWebhook:
	default:
		ps.Addf("actor", "onbekend kanaal %q", "unknown channel %q", clip(string(a.Via)))
	}
	if (a.Via == ViaLink || a.Party != "") && !a.Party.Valid() {
		ps.Addf("actor", "een persoonlijke link hoort bij een partij", "a personal link belongs to a party")
	}
	checkName(&ps, "actor", a.Name, true, T("wie het doet", "who acts"))
	return ps
}

// Label says who acted: "Jan Jansen (console)", "producent Welzijn Utrecht
// via link".
func (a Actor) Label() Text {
	name := strings.TrimSpace(a.Name)
	switch a.Via {
	case ViaLink:
		return F("%s %s via link", "%s %s via link", a.Party.Label(), name)
	case ViaConsole:
		return F("%s (console)", "%s (console)", name)
	case ViaCLI:
		return F("%s (CLI)", "%s (CLI)", name)
	case ViaScript:
		return F("%s (script)", "%s (script)", name)
	case ViaWebhook:
		return F("%s (webhook)", "%s (webhook)", name)
	}
	return T(name, name)
}
