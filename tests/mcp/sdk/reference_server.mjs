// An independent MCP server for the harness's `--via mcp`: the eight tools of CONTRACT.md
// section 6 written with the official SDK (McpServer + StdioServerTransport), each wrapping the
// REST API at $AGENTWORK_BASE_URL with node's fetch and $AGENTWORK_API_KEY. A 2xx is the API's
// JSON as structuredContent and text; anything else is isError naming the HTTP status.
//   AGENTWORK_BASE_URL=http://127.0.0.1:PORT node reference_server.mjs
// PLANT=<defect> plants one, for the CTest that proves the harness catches it:
//   drop_is_error  an API error comes back as a successful result (M.mcp.is_error)
//   missing_tool   agentwork_cancel_task is not registered (G.mcp.tools)
//   banner         a log line on stdout before serving (M.mcp.stdout)
//   die_once       exits in its third status call, once per $PLANT_MARK file (S.mcp.process:
//                  the harness restarts it and repeats the read)
// Exit 77 (skipped) without node_modules, 1 under CI (CI set).
let sdk;
try {
  sdk = {
    ...(await import("@modelcontextprotocol/sdk/server/mcp.js")),
    ...(await import("@modelcontextprotocol/sdk/server/stdio.js")),
    z: await import("zod"),
  };
} catch (e) {
  console.error("reference_server: @modelcontextprotocol/sdk is not installed (run ci/npm-deps.sh): " + e.message);
  process.exit(process.env.CI ? 1 : 77);
}
const { McpServer, StdioServerTransport, z } = sdk;
const base = (process.env.AGENTWORK_BASE_URL || "").replace(/\/+$/, "") + "/api/v1";
const key = process.env.AGENTWORK_API_KEY || "";
const plant = process.env.PLANT || "";
const s = z.string(), id = { task_id: s };
let statusCalls = 0;
async function maybeDie(name) {
  if (plant !== "die_once" || name !== "agentwork_get_task_status" || ++statusCalls < 3) return;
  const { existsSync, writeFileSync } = await import("node:fs");
  if (existsSync(process.env.PLANT_MARK)) return;
  writeFileSync(process.env.PLANT_MARK, "died");
  console.error("reference_server: dying on purpose (PLANT=die_once)");
  process.exit(5);
}

// name, method, path, input shape, body from the arguments (null: no body), sends the key
const TOOLS = [
  ["agentwork_register", "POST", "/auth/register",
   { email: s, name: s, organization_name: s.optional() }, (a) => a, false],
  ["agentwork_create_task", "POST", "/tasks/", { title: s, description: s }, (a) => a, true],
  ["agentwork_get_task_status", "GET", "/tasks/{id}", id, null, true],
  ["agentwork_send_message", "POST", "/tasks/{id}/message", { task_id: s, message: s },
   (a) => ({ message: a.message }), true],
  ["agentwork_approve_solution", "POST", "/tasks/{id}/solution-status",
   { task_id: s, approved: z.boolean(), rejection_reason: s.optional() },
   (a) => a.approved ? { status: "CONFIRMED" }
                     : { status: "REJECTED", rejection_reason: a.rejection_reason ?? "" }, true],
  ["agentwork_get_task_result", "GET", "/tasks/{id}/result", id, null, true],
  ["agentwork_get_task_events", "GET", "/tasks/{id}/events", id, null, true],
  ["agentwork_cancel_task", "POST", "/tasks/{id}/cancel", id, () => ({}), true],
];

async function callApi(method, path, body, withKey) {
  const headers = { Accept: "application/json" };
  if (withKey && key) headers.Authorization = "Bearer " + key;
  if (body) headers["Content-Type"] = "application/json";
  try {
    const r = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, text: await r.text() };
  } catch (e) {
    return { status: 0, text: String(e) };
  }
}

const server = new McpServer({ name: "agentwork-reference", version: "0.1.0" });
for (const [name, method, path, shape, body, withKey] of TOOLS) {
  if (plant === "missing_tool" && name === "agentwork_cancel_task") continue;
  server.registerTool(name, { description: method + " /api/v1" + path, inputSchema: shape },
    async (a) => {
      await maybeDie(name);
      const p = path.replace("{id}", encodeURIComponent(a.task_id ?? ""));
      const r = await callApi(method, p, body ? body(a) : null, withKey);
      const text = [{ type: "text", text: r.text }];
      if (r.status >= 200 && r.status < 300) {
        return { content: text, structuredContent: JSON.parse(r.text) };
      }
      if (plant === "drop_is_error") return { content: text };
      const why = r.status ? "HTTP " + r.status + " from " + method + " " + p + ": " + r.text
                           : "the request " + method + " " + p + " got no answer: " + r.text;
      return { content: [{ type: "text", text: why }], isError: true };
    });
}
if (plant === "banner") console.log("reference server starting");
await server.connect(new StdioServerTransport());
