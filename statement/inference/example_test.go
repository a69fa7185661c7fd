package inference_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

// Prove that an iris classification came from a model whose weights stay
// private, then verify it with nothing but the bundle and the verifying key.
func Example() {
	dir, _ := os.MkdirTemp("", "zkai-example-")
	defer os.RemoveAll(dir)

	model := "../../testdata/models/iris_logreg/model.onnx"
	c, err := inference.Compile(model, engine.Options{}, circuit.DefaultOptions(), proof.Groth16, dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := inference.RunSetup(dir, nil); err != nil { // the verifier's job in real use
		fmt.Println(err)
		return
	}
	in, _ := input.Load("../../testdata/models/iris_logreg/input.json")
	nonce := "request-1"
	p, err := inference.Prove(dir, in, &nonce, "example")
	if err != nil {
		fmt.Println(err)
		return
	}

	bundle, _ := json.Marshal(p.Bundle)
	vk, _ := os.ReadFile(filepath.Join(dir, inference.VKFile))
	r := inference.Verify(bundle, vk, c.Commitment.Commitment)
	fmt.Println("valid:", r.Valid)
	fmt.Println("outputs:", len(r.Public.Output.Tensors[0].Data), "probabilities, weights", r.Public.Model.Weights)
	// Output:
	// valid: true
	// outputs: 3 probabilities, weights private
}
