package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/links"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// newLinks manages the personal task links the rollouts' e-mails carry.
func newLinks(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "links",
		Short: "The personal task links of a rollout: list them, revoke them",
		Long: `Every e-mail that asks the municipality, the producer or a teacher to act
carries a personal link to their task page in the console. A link works until
the rollout ends, unless staff revoke it (here, or on the console's rollout
page): the pages opened with it close at their next request. The next task
e-mail brings a new link, and on the page for a link that does not work the
party can ask for one, which goes to the address the rollout holds.
PostgreSQL (DATABASE_URL) holds the links, as hashes only.`,
	}
	cmd.AddCommand(newLinksList(e), newLinksRevoke(e))
	return cmd
}

// linksTarget reads MUNICIPALITY --wave WAVE into a rollout's workflow ID.
func linksTarget(code, waveName string) (string, error) {
	m, err := lookupMunicipality(code)
	if err != nil {
		return "", err
	}
	if !rollout.ValidWaveName(waveName) {
		return "", usageErr("--wave %q: a wave's name, e.g. demo or 2012", waveName)
	}
	return rollout.WorkflowID(waveName, m.Code), nil
}

func newLinksList(e *env) *cobra.Command {
	var waveName string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list MUNICIPALITY --wave WAVE [--json]",
		Short:   "Count a rollout's personal links per party, with their last use",
		Example: "  starter links list GM0344 --wave demo",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := linksTarget(args[0], waveName)
			if err != nil {
				return err
			}
			db, err := e.staffDB()
			if err != nil {
				return err
			}
			defer db.Close()
			sum, err := links.Store{DB: db}.Summary(e.ctx, id)
			if err != nil {
				return err
			}
			return writeRows(e.out, asJSON, sum, e.t("%s heeft nog geen persoonlijke links verstuurd.", "%s has sent no personal links yet.", id),
				e.t("PARTIJ\tWERKEND\tINGETROKKEN\tLAATST GEBRUIKT", "PARTY\tWORKING\tREVOKED\tLAST USED"), e.t("%d partijen.", "%d parties.", len(sum)),
				func(p links.PartyLinks) string {
					used := "—"
					if p.LastUsed != nil {
						used = when(*p.LastUsed)
					}
					return fmt.Sprintf("%s\t%d\t%d\t%s", p.Party.Label().In(e.lang), p.Active, p.Revoked, used)
				})
		},
	}
	cmd.Flags().StringVar(&waveName, "wave", "", "the rollout's wave")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("wave")
	return cmd
}

func newLinksRevoke(e *env) *cobra.Command {
	var waveName, party string
	cmd := &cobra.Command{
		Use:   "revoke MUNICIPALITY --wave WAVE [--party municipality|producer|teacher]",
		Short: "Revoke a rollout's personal links (of one party, or all)",
		Long: `Revoke the personal links of a rollout: of one party with --party, else of
every party. Pages opened with them close at their next request. Use it when
a link reached the wrong person. The party gets a new link with the next task
e-mail, or asks for one on the task page.`,
		Example: "  starter links revoke GM0344 --wave demo --party producer",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := linksTarget(args[0], waveName)
			if err != nil {
				return err
			}
			p := plan.Party(party)
			switch p {
			case "", plan.PartyMunicipality, plan.PartyProducer, plan.PartyTeacher:
			default:
				return usageErr("--party %q: municipality, producer or teacher (or leave it out for all)", party)
			}
			db, err := e.staffDB()
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := links.Store{DB: db}.Revoke(e.ctx, id, p, time.Now())
			if err != nil {
				return err
			}
			who := e.t("alle partijen", "every party")
			if p != "" {
				who = p.Label().In(e.lang)
			}
			fmt.Fprintln(e.out, e.t("%s: %d persoonlijke link(s) ingetrokken (%s).", "%s: %d personal link(s) revoked (%s).", id, n, who))
			return nil
		},
	}
	cmd.Flags().StringVar(&waveName, "wave", "", "the rollout's wave")
	cmd.Flags().StringVar(&party, "party", "", "municipality, producer or teacher; all when left out")
	_ = cmd.MarkFlagRequired("wave")
	return cmd
}
