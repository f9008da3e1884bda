package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/delivery"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

func newEmails(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "emails",
		Short: "Preview the e-mail templates, or list what a rollout was sent",
	}
	cmd.AddCommand(newEmailsPreview(e), newEmailsList(e))
	return cmd
}

func newEmailsPreview(e *env) *cobra.Command {
	var name, dir string
	cmd := &cobra.Command{
		Use:   "preview [--template NAME] [--out DIR]",
		Short: "Render every template (or one) with example data to HTML and text files",
		Long: "Render the e-mail templates with example data (Utrecht, wave 2012) to DIR/<template>.html\n" +
			"and DIR/<template>.txt, so staff can read them before a wave starts.",
		Example: "  starter emails preview --out emails-preview\n  starter emails preview --template producer-invitation",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			names := mail.Names()
			if name != "" {
				names = []string{name}
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", dir, err)
			}
			for _, n := range names {
				m, err := mail.Render(n, mail.Example(n))
				if err != nil {
					return withCode(ExitNotFound, err)
				}
				base := filepath.Join(dir, n)
				if err := os.WriteFile(base+".html", []byte(m.HTML), 0o644); err != nil {
					return fmt.Errorf("write %s.html: %w", base, err)
				}
				if err := os.WriteFile(base+".txt", []byte("Onderwerp: "+m.Subject+"\n\n"+m.Text), 0o644); err != nil {
					return fmt.Errorf("write %s.txt: %w", base, err)
				}
				fmt.Fprintf(e.out, "%s.html, %s.txt  %s\n", base, base, m.Subject)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "template", "", "only this template (see README for the catalogue)")
	cmd.Flags().StringVar(&dir, "out", "emails-preview", "folder to write into")
	return cmd
}

func newEmailsList(e *env) *cobra.Command {
	var ref rolloutRef
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list CODE --wave WAVE [--json]",
		Short: "List the e-mails a rollout (and its cohort) was sent, with their status",
		Long: `List a rollout's e-mails from the outbox in PostgreSQL (AMWAHT_READER_DATABASE_URL,
a role that may only read; else DATABASE_URL): when,
template, step, recipient, status (sent, logged = not sent because no
SENDGRID_API_KEY, pending = being retried, sending = an attempt under way or
one that lost SendGrid's answer (the next asks SendGrid before sending again),
failed = refused, see the error), SendGrid's message ID and the delivery
state SendGrid's Event Webhook reported (afgeleverd, geopend, niet
afgeleverd (bounce/dropped/spamreport: reason); empty until an event
arrives). --json prints an array of objects with fields created, template,
step, occurrence, role, recipient, subject, status, messageId, attempts,
error, resendOf and delivery ({delivery, reason, at, deliveredAt,
openedAt, clickedAt}, left out without events).`,
		Example: "  starter emails list GM0344 --wave demo",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, id, err := ref.resolve(args[0])
			if err != nil {
				return err
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
			type row struct {
				ID         int64           `db:"id" json:"-"`
				Created    time.Time       `db:"created_at" json:"created"`
				Template   string          `db:"template" json:"template"`
				Step       string          `db:"step" json:"step"`
				Occurrence int             `db:"occurrence" json:"occurrence"`
				Role       string          `db:"role" json:"role"`
				Recipient  string          `db:"recipient" json:"recipient"`
				Subject    string          `db:"subject" json:"subject"`
				Status     string          `db:"status" json:"status"`
				MessageID  string          `db:"message_id" json:"messageId"`
				Attempts   int             `db:"attempts" json:"attempts"`
				Error      string          `db:"last_error" json:"error"`
				ResendOf   int             `db:"resend_of" json:"resendOf,omitempty"`
				Delivery   *delivery.State `db:"-" json:"delivery,omitempty"`
			}
			var rows []row
			err = db.SelectContext(e.ctx, &rows, `
				SELECT id, created_at, template, step, occurrence, role, recipient, subject, status,
				       coalesce(message_id, '') AS message_id, attempts, coalesce(last_error, '') AS last_error,
				       coalesce(resend_of, 0) AS resend_of
				FROM outbox WHERE workflow_id IN ($1, $2) ORDER BY created_at, id`, id, rollout.CohortWorkflowID(id))
			if err != nil {
				return fmt.Errorf("read outbox: %w", err)
			}
			ids := make([]int64, len(rows))
			for i, r := range rows {
				ids[i] = r.ID
			}
			states, err := delivery.States(e.ctx, db, ids)
			if err != nil {
				return err
			}
			for i := range rows {
				if s, ok := states[rows[i].ID]; ok {
					rows[i].Delivery = &s
				}
			}
			none := e.t("Nog geen e-mails voor %s.", "No e-mails for %s yet.", id)
			header := e.t("WANNEER\tE-MAIL\tSTAP\tAAN\tSTAAT\tAFLEVERING\tBERICHT-ID", "WHEN\tTEMPLATE\tSTEP\tTO\tSTATUS\tDELIVERY\tMESSAGE ID")
			return writeRows(e.out, asJSON, rows, none, header, e.t("%d e-mails.", "%d e-mails.", len(rows)), func(r row) string {
				status := r.Status
				if r.Error != "" && r.Status != "sent" {
					status += " (" + r.Error + ")"
				}
				if r.ResendOf > 0 {
					status += " (" + plan.F("opnieuw, voor #%d", "again, for #%d", r.ResendOf).In(e.lang) + ")"
				}
				dlv := "—"
				if r.Delivery != nil {
					dlv = r.Delivery.Label().In(e.lang)
				}
				return fmt.Sprintf("%s\t%s\t%s\t%s <%s>\t%s\t%s\t%s", when(r.Created), r.Template, r.Step, r.Role, r.Recipient, status, dlv, r.MessageID)
			})
		},
	}
	ref.flags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
