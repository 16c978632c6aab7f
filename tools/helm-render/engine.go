// Package main is a small re-implementation of Helm 3's template engine (helm.sh/helm/v3/pkg/engine and
// pkg/chartutil values coalescing) on top of the real Go text/template and the real Sprig v3 function
// library, compiled to WebAssembly so that the chart can be rendered in Node tests on machines that have
// no helm binary. It follows Helm's engine.go/funcs.go behaviour for the functions a chart uses
// (include, tpl, required, fail, toYaml, fromYaml, toJson, fromJson, missingkey=zero and the
// "<no value>" clean-up); it does not implement lookup, .Files, subcharts, or --set string parsing.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

// RenderRequest is what the JavaScript side sends (as JSON).
type RenderRequest struct {
	// ChartName is the chart directory name: templates are named "<ChartName>/templates/...".
	ChartName string `json:"chartName"`
	// ChartYaml is the text of Chart.yaml.
	ChartYaml string `json:"chartYaml"`
	// ValuesYaml is the chart's values.yaml.
	ValuesYaml string `json:"valuesYaml"`
	// Overrides are user values files (helm -f), later ones win.
	Overrides []string `json:"overrides"`
	// Templates maps "templates/<path>" to template text.
	Templates map[string]string `json:"templates"`
	Release   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		IsUpgrade bool   `json:"isUpgrade"`
		Revision  int    `json:"revision"`
	} `json:"release"`
	KubeVersion string   `json:"kubeVersion"`
	APIVersions []string `json:"apiVersions"`
	// RandSeed, when non-zero, makes randAlphaNum & co deterministic (tests only).
	RandSeed int64 `json:"randSeed"`
}

// RenderResponse carries either the rendered files or an error in Helm's wording.
type RenderResponse struct {
	Manifests map[string]string      `json:"manifests,omitempty"`
	Values    map[string]interface{} `json:"values,omitempty"`
	Error     string                 `json:"error,omitempty"`
}

// Metadata mirrors the fields of helm.sh/helm/v3/pkg/chart.Metadata that templates read as .Chart.*.
type Metadata struct {
	Name        string            `json:"name,omitempty"`
	Home        string            `json:"home,omitempty"`
	Sources     []string          `json:"sources,omitempty"`
	Version     string            `json:"version,omitempty"`
	Description string            `json:"description,omitempty"`
	Keywords    []string          `json:"keywords,omitempty"`
	Icon        string            `json:"icon,omitempty"`
	APIVersion  string            `json:"apiVersion,omitempty"`
	Condition   string            `json:"condition,omitempty"`
	Tags        string            `json:"tags,omitempty"`
	AppVersion  string            `json:"appVersion,omitempty"`
	Deprecated  bool              `json:"deprecated,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	KubeVersion string            `json:"kubeVersion,omitempty"`
	Type        string            `json:"type,omitempty"`
}

// VersionSet mirrors chartutil.VersionSet so templates can call .Capabilities.APIVersions.Has.
type VersionSet []string

// Has reports whether the API version (or "group/version/Kind") is known.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// KubeVersion mirrors chartutil.KubeVersion.
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (kv *KubeVersion) String() string { return kv.Version }

// GitVersion is kept for older charts.
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// Capabilities mirrors chartutil.Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
}

const warnStartDelim = "HELM_ERR_START"
const warnEndDelim = "HELM_ERR_END"
const recursionMaxNums = 1000

func warnWrap(warn string) string { return warnStartDelim + warn + warnEndDelim }

// Render renders every non-partial template the way `helm template` does.
func Render(req RenderRequest) (resp RenderResponse) {
	defer func() {
		if r := recover(); r != nil {
			resp = RenderResponse{Error: fmt.Sprintf("rendering panicked: %v", r)}
		}
	}()
	var meta Metadata
	if err := yaml.Unmarshal([]byte(req.ChartYaml), &meta); err != nil {
		return RenderResponse{Error: "cannot load Chart.yaml: " + err.Error()}
	}
	values, err := readValues(req.ValuesYaml)
	if err != nil {
		return RenderResponse{Error: "cannot load values.yaml: " + err.Error()}
	}
	user := map[string]interface{}{}
	for i, text := range req.Overrides {
		override, err := readValues(text)
		if err != nil {
			return RenderResponse{Error: fmt.Sprintf("cannot parse values file %d: %s", i, err)}
		}
		user = mergeMaps(user, override)
	}
	coalesced := coalesceTables(user, values)

	kv := KubeVersion{Version: "v1.32.0", Major: "1", Minor: "32"}
	if req.KubeVersion != "" {
		parts := strings.SplitN(strings.TrimPrefix(req.KubeVersion, "v"), ".", 3)
		if len(parts) >= 2 {
			kv = KubeVersion{Version: "v" + strings.TrimPrefix(req.KubeVersion, "v"), Major: parts[0], Minor: parts[1]}
		}
	}
	top := map[string]interface{}{
		"Chart":        &meta,
		"Capabilities": &Capabilities{KubeVersion: kv, APIVersions: VersionSet(append(defaultAPIVersions(), req.APIVersions...))},
		"Release": map[string]interface{}{
			"Name":      req.Release.Name,
			"Namespace": req.Release.Namespace,
			"IsUpgrade": req.Release.IsUpgrade,
			"IsInstall": !req.Release.IsUpgrade,
			"Revision":  req.Release.Revision,
			"Service":   "Helm",
		},
		"Values": coalesced,
		"Files":  map[string]interface{}{},
	}

	t := template.New("gotpl")
	t.Option("missingkey=zero")
	initFunMap(t, req.RandSeed)

	names := make([]string, 0, len(req.Templates))
	for name := range req.Templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		full := path.Join(req.ChartName, name)
		if _, err := t.New(full).Parse(req.Templates[name]); err != nil {
			return RenderResponse{Error: cleanupParseError(full, err)}
		}
	}
	out := map[string]string{}
	for _, name := range names {
		full := path.Join(req.ChartName, name)
		if strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		vals := map[string]interface{}{}
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": full, "BasePath": path.Join(req.ChartName, "templates")}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, full, vals); err != nil {
			return RenderResponse{Error: cleanupExecError(full, err)}
		}
		out[full] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return RenderResponse{Manifests: out, Values: coalesced}
}

func defaultAPIVersions() []string {
	return []string{"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1",
		"autoscaling/v1", "autoscaling/v2", "apiextensions.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1"}
}

func initFunMap(t *template.Template, seed int64) {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	included := map[string]int{}
	f["include"] = includeFun(t, included)
	f["tpl"] = tplFun(t, included)
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warnWrap(warn))
		} else if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warnWrap(warn))
		}
		return val, nil
	}
	f["fail"] = func(msg string) (string, error) { return "", errors.New(warnWrap(msg)) }
	if seed != 0 {
		rng := rand.New(rand.NewSource(seed))
		pick := func(alphabet string) func(int) string {
			return func(n int) string {
				b := make([]byte, n)
				for i := range b {
					b[i] = alphabet[rng.Intn(len(alphabet))]
				}
				return string(b)
			}
		}
		f["randAlphaNum"] = pick("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
		f["randAlpha"] = pick("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
		f["randNumeric"] = pick("0123456789")
	}
	t.Funcs(f)
}

func includeFun(t *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		if v, ok := included[name]; ok {
			if v > recursionMaxNums {
				return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
			}
			included[name]++
		} else {
			included[name] = 1
		}
		err := t.ExecuteTemplate(&buf, name, data)
		included[name]--
		return buf.String(), err
	}
}

func tplFun(parent *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(tpl string, vals interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t.Option("missingkey=zero")
		t.Funcs(template.FuncMap{"include": includeFun(t, included), "tpl": tplFun(t, included)})
		t, err = t.New(parent.Name()).Parse(tpl)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", tpl, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", tpl, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(str string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(str string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// readValues parses values the way chartutil.ReadValues does: YAML → JSON → map, so numbers are float64.
func readValues(text string) (map[string]interface{}, error) {
	vals := map[string]interface{}{}
	if strings.TrimSpace(text) == "" {
		return vals, nil
	}
	if err := yaml.Unmarshal([]byte(text), &vals); err != nil {
		return nil, err
	}
	if vals == nil {
		vals = map[string]interface{}{}
	}
	return vals, nil
}

// mergeMaps is Helm's cli/values mergeMaps: later -f files win, maps merge deeply.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if v, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k]; ok {
				if bv, ok := bv.(map[string]interface{}); ok {
					out[k] = mergeMaps(bv, v)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}

// coalesceTables is chartutil.coalesceTables: user values (dst) over chart defaults (src); an explicit
// null in user values deletes the default.
func coalesceTables(dst, src map[string]interface{}) map[string]interface{} {
	if dst == nil {
		dst = map[string]interface{}{}
	}
	for key, val := range src {
		dv, ok := dst[key]
		if ok && dv == nil {
			delete(dst, key)
		} else if !ok {
			dst[key] = val
		} else if srcMap, isMap := val.(map[string]interface{}); isMap {
			if dstMap, isMap := dv.(map[string]interface{}); isMap {
				coalesceTables(dstMap, srcMap)
			}
		}
	}
	for key, val := range dst {
		if val == nil {
			delete(dst, key)
		}
	}
	return dst
}

var execErrRe = regexp.MustCompile(`template: (.*?): executing "(.*?)" at <(.*?)>: (.*)`)

func cleanupParseError(filename string, err error) string {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Sprintf("parse error in (%s): %s", filename, err)
	}
	location := tokens[1]
	errMsg := tokens[len(tokens)-1]
	return fmt.Sprintf("parse error at (%s): %s", location, errMsg)
}

func cleanupExecError(filename string, err error) string {
	msg := err.Error()
	if start := strings.Index(msg, warnStartDelim); start >= 0 {
		end := strings.Index(msg, warnEndDelim)
		where := filename
		if m := execErrRe.FindStringSubmatch(msg); m != nil {
			where = m[1]
		}
		return fmt.Sprintf("execution error at (%s): %s", where, msg[start+len(warnStartDelim):end])
	}
	return msg
}
