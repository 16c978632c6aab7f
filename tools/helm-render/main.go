//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
)

// main exposes globalThis.helmRender(requestJSON) → responseJSON and keeps the Go runtime alive.
func main() {
	js.Global().Set("helmRender", js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		var req RenderRequest
		if len(args) != 1 {
			return `{"error":"helmRender takes one JSON string"}`
		}
		if err := json.Unmarshal([]byte(args[0].String()), &req); err != nil {
			return `{"error":"bad request JSON"}`
		}
		out, err := json.Marshal(Render(req))
		if err != nil {
			return `{"error":"cannot encode response"}`
		}
		return string(out)
	}))
	select {}
}
