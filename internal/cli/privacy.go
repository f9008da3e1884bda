package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/privacy"
)

func newPrivacy(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "privacy",
		Short: "A person's data: export everything held about an e-mail address, or erase it",
		Long: `Answer a person's request about their data (AVG/GDPR: access and erasure).
What amwaht holds in PostgreSQL is the outbox: every e-mail with its
recipient, subject and body. The workflow histories hold names and addresses
too, encrypted, until the namespace's retention deletes them after the
rollout ends (see the README's Privacy chapter).`,
	}
	cmd.AddCommand(newPrivacyExport(e), newPrivacyErase(e))
	return cmd
}

func newPrivacyExport(e *env) *cobra.Command {
	var email string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "export --email ADDRESS [--json]",
		Short: "Print everything held about an e-mail address",
		Long: `Print every e-mail amwaht sent to the address or that names it (from the
outbox in PostgreSQL, read with AMWAHT_READER_DATABASE_URL, else DATABASE_URL):
when, template, status, subject and body (blank once purged), and the
rollouts they belong to. --json prints one object with fields address, at,
emails (workflowId, template, step, role, recipient, subject, body, status,
error, created, sent, purged, toPerson) and rollouts.`,
		Example: "  starter privacy export --email f.yilmaz@example.nl > export-f.yilmaz.txt",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := privacy.Normalize(email); err != nil {
				return usageErr("--email: %v", err)
			}
			cfg, err := app.ConfigFromEnv()
			if err != nil {
				return withCode(ExitUsage, err)
			}
			db, err := app.OpenDB(e.ctx, cfg.ReaderDatabaseURL)
			if err != nil {
				return withCode(ExitUnreachable, err)
			}
			defer db.Close()
			x, err := privacy.ExportOf(e.ctx, db, email)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.out, x)
			}
			e.printExport(x)
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the person's e-mail address")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func (e *env) printExport(x privacy.Export) {
	w := e.out
	fmt.Fprintln(w, e.t("Wat amwaht in PostgreSQL bewaart over %s (opgevraagd %s):", "What amwaht holds in PostgreSQL about %s (as of %s):",
		x.Address, x.At.Local().Format(time.DateTime)))
	for _, m := range x.Staff {
		state := e.t("mag inloggen", "may sign in")
		if m.Removed != nil {
			state = e.t("verwijderd op %s", "removed on %s", m.Removed.Local().Format(time.DateOnly))
		}
		fmt.Fprintln(w, e.t("Console-account: %s <%s>, toegevoegd op %s, %s.", "Console account: %s <%s>, added on %s, %s.",
			m.Name, m.Email, m.Added.Local().Format(time.DateOnly), state))
	}
	for _, p := range x.Participants {
		fmt.Fprintln(w, e.t("Deelnemer %s van %s (door de producent doorgegeven op %s): %s, %s, telefoon %s.", "Participant %s of %s (uploaded by the producer on %s): %s, %s, phone %s.",
			p.ID, p.WorkflowID, p.Added.Local().Format(time.DateOnly), p.Name, p.Email, p.Phone))
	}
	if len(x.Emails) == 0 {
		fmt.Fprintln(w, e.t("Geen e-mails aan of over dit adres.", "No e-mails to or about this address."))
		return
	}
	fmt.Fprintln(w, e.t("E-mails (%d):", "E-mails (%d):", len(x.Emails)))
	for _, m := range x.Emails {
		about := e.t("aan", "to")
		if !m.ToPerson {
			about = e.t("noemt het adres; aan", "names the address; to")
		}
		to := m.Recipient
		if to == "" {
			to = e.t("(gewist)", "(erased)")
		}
		fmt.Fprintf(w, "\n%s  %s  %s  %s %s <%s>  %s\n", m.Created.Local().Format(time.DateTime), m.WorkflowID, m.Template, about, m.Role, to, m.Status)
		switch {
		case m.Purged != nil && m.Subject == "" && m.Body == "":
			fmt.Fprintln(w, "  "+e.t("onderwerp en tekst zijn verwijderd op %s", "subject and body were removed on %s", m.Purged.Local().Format(time.DateOnly)))
		default:
			fmt.Fprintln(w, "  "+e.t("Onderwerp: %s", "Subject: %s", m.Subject))
			for _, line := range strings.Split(strings.TrimRight(m.Body, "\n"), "\n") {
				fmt.Fprintln(w, "  | "+line)
			}
		}
		if m.Error != "" {
			fmt.Fprintln(w, "  "+e.t("Fout: %s", "Error: %s", m.Error))
		}
	}
	fmt.Fprintln(w, "\n"+e.t("Deze e-mails horen bij %s. Hun workflowgeschiedenis bevat het adres en de naam ook, versleuteld, tot de bewaartermijn na afloop van de uitrol verstreken is.",
		"These e-mails belong to %s. Their workflow histories hold the address and name too, encrypted, until the retention after the rollout's end has passed.", strings.Join(x.Rollouts, ", ")))
}

func newPrivacyErase(e *env) *cobra.Command {
	var email string
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "erase --email ADDRESS --yes [--json]",
		Short: "Blank a person's data in PostgreSQL and report what changed",
		Long: `Blank the address, subject, body and error of every e-mail sent to the
address, and the subject and body of every e-mail to others that names it
(DATABASE_URL: it writes). The rows stay, without the person's data: they
keep a workflow from sending the same e-mail again. E-mails being sent at
this moment are left alone and counted; run the erasure again a minute
later. It cannot be undone, hence --yes.

A rollout that is still running holds the person's address in its
(encrypted) history and uses it for the next e-mails: correct it first with
'starter contact' (a party's address), then erase.`,
		Example: "  starter privacy erase --email f.yilmaz@example.nl --yes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := privacy.Normalize(email); err != nil {
				return usageErr("--email: %v", err)
			}
			if !yes {
				return usageErr("%s", e.t("wissen kan niet ongedaan worden gemaakt: voeg --yes toe (bekijk eerst 'starter privacy export --email %s')",
					"erasing cannot be undone: add --yes (look first with 'starter privacy export --email %s')", email))
			}
			cfg, err := app.ConfigFromEnv()
			if err != nil {
				return withCode(ExitUsage, err)
			}
			db, err := app.OpenDB(e.ctx, cfg.DatabaseURL)
			if err != nil {
				return withCode(ExitUnreachable, err)
			}
			defer db.Close()
			er, err := privacy.Erase(e.ctx, db, email)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.out, er)
			}
			fmt.Fprintln(e.out, e.t("Gewist voor %s: %d e-mail(s) aan dit adres (adres, onderwerp en tekst leeg), %d e-mail(s) aan anderen die het adres noemden (onderwerp en tekst leeg).",
				"Erased for %s: %d e-mail(s) to the address (address, subject and body blanked), %d e-mail(s) to others that named it (subject and body blanked).",
				er.Address, er.Addressed, er.Mentioning))
			if er.Staff > 0 {
				fmt.Fprintln(e.out, e.t("Console-account geanonimiseerd (adres en naam leeg, inloglinks verwijderd).",
					"Console account anonymised (address and name blanked, sign-in links deleted)."))
			}
			if er.Participants > 0 {
				fmt.Fprintln(e.out, e.t("Gegevens als deelnemer gewist: %d (de uitrol houdt alleen de deelnemerscode).",
					"Participant details deleted: %d (the rollout keeps only the participant ID).", er.Participants))
			}
			if er.StillStaff {
				fmt.Fprintln(e.out, e.t("Dit adres hoort bij een medewerker die nog mag inloggen: haal die eerst weg met 'starter staff remove %s' en wis dan opnieuw.",
					"This address is a staff member's who may still sign in: remove them first with 'starter staff remove %s', then erase again.", er.Address))
			}
			if er.InFlight > 0 {
				fmt.Fprintln(e.out, e.t("%d e-mail(s) worden nu verstuurd en zijn overgeslagen: wis over een minuut opnieuw.",
					"%d e-mail(s) are being sent right now and were skipped: erase again in a minute.", er.InFlight))
			}
			if len(er.Rollouts) > 0 {
				fmt.Fprintln(e.out, e.t("Betrokken uitrollen: %s. Hun geschiedenis (versleuteld) verdwijnt na de bewaartermijn; loopt er een nog, corrigeer het adres dan met 'starter contact'.",
					"Rollouts concerned: %s. Their (encrypted) histories go when the retention has passed; for one still running, correct the address with 'starter contact'.",
					strings.Join(er.Rollouts, ", ")))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the person's e-mail address")
	cmd.Flags().BoolVar(&yes, "yes", false, "really erase")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}
