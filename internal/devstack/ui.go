package devstack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// UIVersion is the release of Temporal's Web UI (temporalio/ui, whose server
// is github.com/temporalio/ui-server) that docker-compose.yml pins and
// StartUI runs.
const UIVersion = "2.42.1"

// UIOptions configures StartUI: the environment compose gives the
// temporal-ui container.
type UIOptions struct {
	Frontend      Frontend // the server the UI shows
	Port          int      // default 8080, as compose
	CodecEndpoint string   // the codec server, as the browser reaches it; "" for none
	Dir           string   // receives the rendered configuration (required)
	Output        io.Writer
}

// UI is a running Web UI server.
type UI struct {
	URL string
	cmd *exec.Cmd
}

// StartUI runs Temporal's Web UI read-only, as compose does: nobody
// signals, resets or terminates a rollout from it.
func StartUI(ctx context.Context, o UIOptions, logw io.Writer) (*UI, error) {
	v := "v" + UIVersion
	dir, err := Install(ctx, logw, "temporal-ui-"+v, "2 to 3 minutes", "github.com/temporalio/ui-server/v2/cmd/server@"+v)
	if err != nil {
		return nil, fmt.Errorf("Temporal Web UI %s: %w", v, err)
	}
	mod, err := moduleSource(ctx, "github.com/temporalio/ui-server/v2@"+v)
	if err != nil {
		return nil, err
	}
	if o.Port == 0 {
		o.Port = 8080
	}
	cfg := filepath.Join(o.Dir, "ui-config")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		return nil, fmt.Errorf("the Web UI's configuration folder: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(mod, "config", "docker.yaml"))
	if err != nil {
		return nil, fmt.Errorf("the Web UI's configuration template: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "docker.yaml"), b, 0o644); err != nil {
		return nil, fmt.Errorf("writing the Web UI's configuration: %w", err)
	}
	url := "http://127.0.0.1:" + strconv.Itoa(o.Port)
	cmd := exec.Command(filepath.Join(dir, "server"), "--root", o.Dir, "--config", "ui-config", "--env", "docker", "start")
	cmd.Env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+o.Frontend.Address, "TEMPORAL_DEFAULT_NAMESPACE="+o.Frontend.Namespace,
		"TEMPORAL_UI_PORT="+strconv.Itoa(o.Port), "TEMPORAL_DISABLE_WRITE_ACTIONS=true",
		"TEMPORAL_CODEC_ENDPOINT="+o.CodecEndpoint, "TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true",
		"TEMPORAL_CODEC_PASS_ACCESS_TOKEN=false", "TEMPORAL_CORS_ORIGINS="+url+",http://localhost:"+strconv.Itoa(o.Port),
		"TEMPORAL_CSRF_COOKIE_INSECURE=true", "TEMPORAL_NOTIFY_ON_NEW_VERSION=false")
	cmd.Stdout, cmd.Stderr = o.Output, o.Output
	cmd.SysProcAttr = serverSysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Web UI: %w", err)
	}
	ui := &UI{URL: url, cmd: cmd}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/api/v1/settings")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return ui, nil
			}
		}
		if time.Now().After(deadline) {
			ui.Stop()
			return nil, fmt.Errorf("the Web UI at %s did not answer within 30 s (%v)", url, err)
		}
		select {
		case <-ctx.Done():
			ui.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop ends the UI server.
func (u *UI) Stop() {
	if u == nil {
		return
	}
	_ = u.cmd.Process.Kill()
	_ = u.cmd.Wait()
}
