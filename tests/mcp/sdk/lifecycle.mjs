// The official MCP TypeScript SDK as an independent client of our MCP server: Client +
// StdioClientTransport spawn agentwork-mcp (against an agentwork-mock started here on port 0)
// or `agentwork mcp-server --target mock`, then a whole task lifecycle through callTool.
//   node lifecycle.mjs --mcp PATH/agentwork-mcp --mock PATH/agentwork-mock
//   node lifecycle.mjs --agentwork PATH/agentwork
// Exit 0 passed, 1 failed, 77 skipped (node_modules missing outside CI).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

let sdk;
try {
  sdk = {
    ...(await import("@modelcontextprotocol/sdk/client/index.js")),
    ...(await import("@modelcontextprotocol/sdk/client/stdio.js")),
  };
} catch (e) {
  const why = "@modelcontextprotocol/sdk is not installed (run ci/npm-deps.sh): " + e.message;
  if (process.env.CI) {
    console.error("FAIL: " + why);
    process.exit(1);
  }
  console.log("SKIPPED: " + why);
  process.exit(77);
}

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (i % 2 ? pairs : [...pairs, [a, all[i + 1]]]), []));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startMock(exe) {
  const dir = mkdtempSync(join(tmpdir(), "aw-sdk-"));
  const portFile = join(dir, "port");
  const proc = spawn(exe, ["--port", "0", "--port-file", portFile, "--time-scale", "0.01",
                           "--seed", "3"], { stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    if (existsSync(portFile) && readFileSync(portFile, "utf8").trim()) {
      return { proc, dir, url: "http://127.0.0.1:" + readFileSync(portFile, "utf8").trim() };
    }
    await sleep(50);
  }
  proc.kill();
  throw new Error("agentwork-mock wrote no port file");
}

const EXPECTED = {
  agentwork_register: { required: ["email", "name"], params: ["email", "name", "organization_name"] },
  agentwork_create_task: { required: ["title", "description"], params: ["title", "description"] },
  agentwork_get_task_status: { required: ["task_id"], params: ["task_id"] },
  agentwork_send_message: { required: ["task_id", "message"], params: ["task_id", "message"] },
  agentwork_approve_solution: { required: ["task_id", "approved"],
                                params: ["task_id", "approved", "rejection_reason"] },
  agentwork_get_task_result: { required: ["task_id"], params: ["task_id"] },
  agentwork_get_task_events: { required: ["task_id"], params: ["task_id"] },
  agentwork_cancel_task: { required: ["task_id"], params: ["task_id"] },
};

function checkTools(tools) {
  assert.deepEqual(tools.map((t) => t.name).sort(), Object.keys(EXPECTED).sort());
  for (const t of tools) {
    const want = EXPECTED[t.name];
    assert.equal(t.inputSchema.type, "object", t.name);
    assert.deepEqual([...t.inputSchema.required].sort(), [...want.required].sort(), t.name);
    assert.deepEqual(Object.keys(t.inputSchema.properties).sort(), [...want.params].sort(), t.name);
    assert.ok(t.description.length > 20, t.name);
  }
  const approve = tools.find((t) => t.name === "agentwork_approve_solution");
  assert.equal(approve.inputSchema.properties.approved.type, "boolean");
}

// A successful call: its text is the API's JSON, equal to structuredContent.
async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  assert.ok(!r.isError, `${name} failed: ${JSON.stringify(r.content)}`);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent, name);
  return r.structuredContent;
}

async function waitFor(client, taskId, status) {
  const deadline = Date.now() + 60000;
  let last;
  while (Date.now() < deadline) {
    last = await call(client, "agentwork_get_task_status", { task_id: taskId });
    assert.equal(last.task_id, taskId);
    if (last.status === status) return last;
    assert.notEqual(last.status, "cancelled", "cancelled while waiting for " + status);
    await sleep(100);
  }
  throw new Error(`task ${taskId} never reached ${status} (last ${JSON.stringify(last)})`);
}

async function lifecycle(client) {
  const noKey = await client.callTool({ name: "agentwork_create_task",
                                        arguments: { title: "t", description: "d" } });
  assert.equal(noKey.isError, true);
  assert.match(noKey.content[0].text, /AGENTWORK_API_KEY/);
  const reg = await call(client, "agentwork_register",
                         { email: `sdk-${process.pid}@example.com`, name: "SDK Client" });
  assert.match(reg.api_key, /^aw_live_/);
  const { task_id: taskId, status } = await call(client, "agentwork_create_task",
      { title: "Landing page", description: "React + Tailwind, hero and CTA" });
  assert.equal(status, "processing");
  const asking = await waitFor(client, taskId, "awaiting_reply");
  assert.equal(asking.question.type, "CLARIFYING_QUESTIONS");
  const questions = JSON.parse(asking.question.content);
  assert.equal(questions.type, "clarifying_questions");
  assert.ok(questions.questions.length >= 1);
  const sent = await call(client, "agentwork_send_message",
                          { task_id: taskId, message: "React, with auth and a database." });
  assert.equal(sent.status, "processing");
  const proposed = await waitFor(client, taskId, "awaiting_solution_approval");
  const rejected = await call(client, "agentwork_approve_solution",
      { task_id: taskId, approved: false, rejection_reason: "The hero text is too small" });
  assert.equal(rejected.status, "processing");
  const revised = await waitFor(client, taskId, "awaiting_solution_approval");
  assert.notEqual(revised.solution.message_id, proposed.solution.message_id);
  const confirmed = await call(client, "agentwork_approve_solution",
                               { task_id: taskId, approved: true });
  assert.equal(confirmed.status, "completed");
  await waitFor(client, taskId, "completed");
  const result = await call(client, "agentwork_get_task_result", { task_id: taskId });
  assert.equal(result.status, "completed");
  assert.ok(Array.isArray(result.files));
  const { events } = await call(client, "agentwork_get_task_events", { task_id: taskId });
  const types = events.map((e) => e.type);
  for (const t of ["question", "reply", "solution_proposed", "solution_decision"]) {
    assert.ok(types.includes(t), `no ${t} event in ${types}`);
  }
  return taskId;
}

async function negatives(client) {
  const second = await call(client, "agentwork_create_task", { title: "Other", description: "x" });
  const cancelled = await call(client, "agentwork_cancel_task", { task_id: second.task_id });
  assert.equal(cancelled.status ?? "cancelled", "cancelled");
  await waitFor(client, second.task_id, "cancelled");
  const unknown = await client.callTool({ name: "agentwork_get_task_status",
                                          arguments: { task_id: "no-such-task" } });
  assert.equal(unknown.isError, true);
  assert.match(unknown.content[0].text, /HTTP 404/);
  const wrongType = await client.callTool({ name: "agentwork_approve_solution",
                                            arguments: { task_id: second.task_id, approved: "yes" } });
  assert.equal(wrongType.isError, true);
  assert.match(wrongType.content[0].text, /"approved" must be a boolean/);
  await assert.rejects(client.callTool({ name: "agentwork_fly", arguments: {} }),
                       (e) => e.code === -32602);
}

async function main() {
  let mock;
  let command, commandArgs;
  const env = { ...sdk.getDefaultEnvironment() };
  if (args["--agentwork"]) {
    command = args["--agentwork"];
    commandArgs = ["mcp-server", "--target", "mock", "--time-scale", "0.01", "--seed", "3"];
  } else {
    mock = await startMock(args["--mock"]);
    command = args["--mcp"];
    commandArgs = [];
    env.AGENTWORK_BASE_URL = mock.url;
  }
  const transport = new sdk.StdioClientTransport({ command, args: commandArgs, env,
                                                   stderr: "inherit" });
  const client = new sdk.Client({ name: "agentwork-sdk-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    assert.equal(client.getServerVersion().name, "agentwork-mcp");
    assert.deepEqual(client.getServerCapabilities().tools, { listChanged: false });
    checkTools((await client.listTools()).tools);
    await lifecycle(client);
    await negatives(client);
    console.log("ok: initialize, listTools, a whole lifecycle, cancel, errors");
  } finally {
    await client.close();
    if (mock) {
      mock.proc.kill();
      rmSync(mock.dir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  console.error("FAIL:", e);
  process.exit(1);
});
