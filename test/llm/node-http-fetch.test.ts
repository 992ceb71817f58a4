import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatModel } from "../../src/llm/create-chat-model.js";
import { createNodeHttpFetch } from "../../src/llm/node-http-fetch.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";

let fake: FakeOpenAIServer;
let plain: Server;
let plainUrl: string;

beforeAll(async () => {
  fake = await startFakeOpenAIServer({ reply: (r) => `reply to ${r.lastUser}` });
  plain = createServer((req, res) => {
    if (req.url === "/gzip") {
      const body = gzipSync(Buffer.from(JSON.stringify({ ok: "compressed" })));
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(body);
    } else if (req.url === "/redirect") {
      res.writeHead(307, { location: "/echo" });
      res.end();
    } else if (req.url === "/echo") {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json", "x-custom": "yes" });
        res.end(
          JSON.stringify({
            method: req.method,
            body: Buffer.concat(chunks).toString(),
            auth: req.headers.authorization,
          }),
        );
      });
    } else if (req.url === "/empty") {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404);
      res.end("no");
    }
  });
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", () => r()));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await fake.close();
  plain.closeAllConnections();
  await new Promise((r) => plain.close(r));
});

describe("node:http transport", () => {
  const f = createNodeHttpFetch();

  it("behaves like fetch for status, headers, body, gzip, 204 and redirects", async () => {
    for (const impl of [f, fetch]) {
      const r = await impl(`${plainUrl}/echo`, {
        method: "POST",
        body: "hello",
        headers: { authorization: "Bearer k" },
      });
      expect(r.status).toBe(201);
      expect(r.headers.get("x-custom")).toBe("yes");
      expect(await r.json()).toEqual({ method: "POST", body: "hello", auth: "Bearer k" });
      expect(await (await impl(`${plainUrl}/gzip`)).json()).toEqual({ ok: "compressed" });
      const empty = await impl(`${plainUrl}/empty`);
      expect(empty.status).toBe(204);
      expect(await empty.text()).toBe("");
      const redirected = await impl(`${plainUrl}/redirect`, { method: "POST", body: "again" });
      expect(await redirected.json()).toMatchObject({ method: "POST", body: "again" });
    }
  });

  it("rejects on abort with an AbortError and on refused connections with the socket error as cause", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(f(`${plainUrl}/echo`, { signal: ac.signal })).rejects.toMatchObject({ name: "AbortError" });
    const err = await f("http://127.0.0.1:9/x").catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.cause.code).toBe("ECONNREFUSED");
  });

  it("gives the same replies as the SDK's built-in fetch through the whole stack", async () => {
    const prompts = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const run = async (transport: "node-http" | "fetch") => {
      const llm = createChatModel({ baseUrl: fake.baseUrl, model: "fake-model", noCache: true, transport });
      const out = await Promise.all(prompts.map((p) => llm.chat({ messages: [{ role: "user", content: p }] })));
      llm.close();
      return out;
    };
    const a = await run("node-http");
    const b = await run("fetch");
    expect(a).toEqual(b);
    expect(a.map((r) => r.text)).toEqual(prompts.map((p) => `reply to ${p}`));
  });
});
