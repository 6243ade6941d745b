// Offline API docs: fetch /openapi.json and list every endpoint with its parameters.
"use strict";

(async () => {
  const root = document.getElementById("api");
  const h = (tag, attrs = {}, ...kids) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const kid of kids) node.append(kid instanceof Node ? kid : String(kid ?? ""));
    return node;
  };
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch (err) {
    root.textContent = `Could not load /openapi.json: ${err}`;
    return;
  }
  document.getElementById("version").textContent = spec.info.version;
  const resolve = (s) => {
    if (s && s.$ref) return spec.components.schemas[s.$ref.split("/").pop()];
    return s || {};
  };
  const typeOf = (s) => {
    s = resolve(s);
    if (s.anyOf) return s.anyOf.map(typeOf).filter((t) => t !== "null").join(" | ");
    if (s.type === "array") return `list of ${typeOf(s.items)}`;
    if (s.format === "binary" || s.contentMediaType) return "file";
    return s.type || (s.title || "object");
  };
  const table = (rows) => {
    const t = h("table", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "type"),
      h("th", {}, "description")));
    for (const r of rows) {
      t.append(h("tr", {},
        h("td", {}, h("code", {}, r.name), r.required ? h("span", { class: "req" }, " required") : ""),
        h("td", {}, r.type),
        h("td", { class: "desc" }, r.description || "")));
    }
    return t;
  };

  root.textContent = "";
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = h("div", { class: "body" });
      if (op.description) body.append(h("p", { class: "desc" }, op.description));
      const params = (op.parameters || []).map((p) => ({
        name: `${p.name} (${p.in})`, type: typeOf(p.schema), required: p.required,
        description: p.description || (p.schema && p.schema.description),
      }));
      if (params.length) body.append(h("h3", {}, "Parameters"), table(params));
      const content = op.requestBody && op.requestBody.content;
      if (content) {
        const [mime, media] = Object.entries(content)[0];
        const schema = resolve(media.schema);
        const req = new Set(schema.required || []);
        const fields = Object.entries(schema.properties || {}).map(([name, s]) => ({
          name, type: typeOf(s), required: req.has(name),
          description: resolve(s).description || s.description,
        }));
        body.append(h("h3", {}, `Body (${mime})`), table(fields));
      }
      const responses = Object.entries(op.responses || {}).map(([code, r]) => ({
        name: code, type: Object.keys(r.content || {}).join(", "), description: r.description,
      }));
      if (responses.length) body.append(h("h3", {}, "Responses"), table(responses));
      root.append(h("section", { class: "op" },
        h("h2", {}, h("span", { class: `method ${method}` }, method.toUpperCase()),
          h("span", { class: "path" }, path), h("span", { class: "summary" }, op.summary || "")),
        body));
    }
  }
})();
