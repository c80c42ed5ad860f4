// Manual interop check: go-plugin v1.4.10's client (Botkube's version) against a TS plugin.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(d []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), d...)
	return nil
}
func (rawCodec) Name() string { return "raw" }

type conn struct{ plugin.Plugin }

func (conn) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }
func (conn) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return c, nil
}

func main() {
	mtls := flag.Bool("mtls", false, "AutoMTLS")
	flag.Parse()
	encoding.RegisterCodec(rawCodec{})
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "BOTKUBE", MagicCookieValue: "52ca7b74-28eb-4fac-ae79-31a9cbda2454"},
		VersionedPlugins: map[int]plugin.PluginSet{3: {"executor": conn{}}},
		Cmd:              exec.Command(flag.Arg(0)),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         *mtls,
		Logger:           hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: os.Stderr}),
	})
	defer client.Kill()
	rpc, err := client.Client()
	if err != nil {
		fmt.Println("client:", err)
		os.Exit(1)
	}
	if err := rpc.Ping(); err != nil {
		fmt.Println("ping:", err)
		os.Exit(1)
	}
	raw, err := rpc.Dispense("executor")
	if err != nil {
		fmt.Println("dispense:", err)
		os.Exit(1)
	}
	cc := raw.(*grpc.ClientConn)
	var empty, out []byte
	empty = []byte{}
	if err := cc.Invoke(context.Background(), "/executor.Executor/Metadata", &empty, &out, grpc.ForceCodec(rawCodec{})); err != nil {
		fmt.Println("metadata:", err)
		os.Exit(1)
	}
	fmt.Printf("metadata ok=%v\n", strings.Contains(string(out), "v0.9.0"))
	cmd := "fixture echo hi"
	req := append([]byte{0x0a, byte(len(cmd))}, cmd...)
	if err := cc.Invoke(context.Background(), "/executor.Executor/Execute", &req, &out, grpc.ForceCodec(rawCodec{})); err != nil {
		fmt.Println("execute:", err)
		os.Exit(1)
	}
	fmt.Printf("execute ok=%v\n", strings.Contains(string(out), "hi"))
	unknown := []byte{}
	err = cc.Invoke(context.Background(), "/executor.Executor/Nope", &unknown, &out, grpc.ForceCodec(rawCodec{}))
	fmt.Printf("unknown method: %v\n", err)
	fmt.Printf("protocol=%d mtls=%v\n", client.NegotiatedVersion(), *mtls)
}
