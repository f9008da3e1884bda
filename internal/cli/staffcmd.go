package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/address"
	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/schema"
)

// newStaff manages who may sign in to the console.
func newStaff(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "staff",
		Short: "Manage the BMP staff who may sign in to the console",
		Long: `The console's staff list, in PostgreSQL (DATABASE_URL). A staff member signs in
with a one-time link e-mailed to their address; there are no passwords.
Removing a member stops their sign-in at once (an open session ends at its
next request); their name stays on what they recorded.`,
	}
	cmd.AddCommand(newStaffAdd(e), newStaffList(e), newStaffRemove(e))
	return cmd
}

// staffDB opens the database, migrated (the console's tables may be newer
// than the last worker start).
func (e *env) staffDB() (*sqlx.DB, error) {
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	db, err := app.OpenDB(e.ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, withCode(ExitUnreachable, err)
	}
	if _, err := schema.Migrate(e.ctx, db.DB, discard()); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func newStaffAdd(e *env) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:     "add ADDRESS --name NAME",
		Short:   "Let someone sign in to the console",
		Example: `  starter staff add a.deboer@stichtingbmp.nl --name "Anouk de Boer"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := address.Validate(args[0]); err != nil {
				return withCode(ExitUsage, err)
			}
			db, err := e.staffDB()
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := staff.Store{DB: db}.Add(e.ctx, args[0], name)
			switch {
			case errors.Is(err, staff.ErrExists):
				return withCode(ExitRejected, fmt.Errorf("%s", e.t("%s kan al inloggen", "%s can already sign in", args[0])))
			case err != nil:
				return withCode(ExitUsage, err)
			}
			fmt.Fprintln(e.out, e.t("%s (%s) kan nu inloggen op de console met een link per e-mail.", "%s (%s) can now sign in to the console with an e-mailed link.", m.Name, m.Email))
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the member's name, as the console shows it on what they record")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newStaffList(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List who may sign in to the console",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := e.staffDB()
			if err != nil {
				return err
			}
			defer db.Close()
			ms, err := staff.Store{DB: db}.List(e.ctx)
			if err != nil {
				return err
			}
			return writeRows(e.out, asJSON, ms, e.t("Nog niemand kan inloggen: voeg iemand toe met 'starter staff add'.", "Nobody can sign in yet: add someone with 'starter staff add'."),
				e.t("NAAM\tE-MAIL\tSINDS", "NAME\tE-MAIL\tSINCE"), e.t("%d medewerkers.", "%d staff members.", len(ms)), func(m staff.Member) string {
					return fmt.Sprintf("%s\t%s\t%s", m.Name, m.Email, when(m.CreatedAt))
				})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newStaffRemove(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "remove ADDRESS",
		Short:   "Stop someone signing in to the console",
		Example: "  starter staff remove a.deboer@stichtingbmp.nl",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := e.staffDB()
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := staff.Store{DB: db}.Remove(e.ctx, args[0])
			if errors.Is(err, staff.ErrNotFound) {
				return withCode(ExitNotFound, fmt.Errorf("%s", e.t("%s staat niet op de lijst", "%s is not on the staff list", args[0])))
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(e.out, e.t("%s (%s) kan niet meer inloggen.", "%s (%s) can no longer sign in.", m.Name, m.Email))
			return nil
		},
	}
}

// discard is a logger for the CLI's quiet migrations.
func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
