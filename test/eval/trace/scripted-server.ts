import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../../../src/llm/types.js";

/** One chat-completions request body as received by the scripted server. */
export interface ReceivedRequest {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  top_p?: number;
  seed?: number;
  /** In-process scripted model only: the ChatCallOptions.sample of the call (re-asks). */
  sample?: number;
  [k: string]: unknown;
}

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 whose answers come from a script function. Returning a
 * number instead of text answers with that HTTP status (fault injection).
 */
export async function startScriptedServer(
  script: (req: ReceivedRequest, callIndex: number) => string | number | Promise<string | number>,
): Promise<{ baseUrl: string; requests: ReceivedRequest[]; close: () => Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", async () => {
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body) as ReceivedRequest;
      requests.push(parsed);
      const answer = await script(parsed, requests.length - 1);
      if (typeof answer === "number") {
        res.writeHead(answer, { "content-type": "application/json" }).end('{"error":{"message":"scripted"}}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: "chat.completion",
          model: parsed.model,
          choices: [{ index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop" }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** An in-process ChatModel answering from a script (for unit tests that need no HTTP). */
export function scriptedModel(
  script: (content: string, request: ReceivedRequest, callIndex: number) => string,
  model = "scripted",
): ChatModel & { requests: ReceivedRequest[]; readonly calls: number } {
  let calls = 0;
  const requests: ReceivedRequest[] = [];
  return {
    id: `scripted:${model}`,
    model,
    requests,
    get calls() {
      return calls;
    },
    async chat(request: ChatRequest, options?: ChatCallOptions): Promise<ChatResponse> {
      const r = {
        model,
        ...request,
        ...(options?.sample !== undefined ? { sample: options.sample } : {}),
      } as ReceivedRequest;
      requests.push(r);
      const text = script(request.messages[request.messages.length - 1].content, r, calls++);
      return { text, usage: { prompt_tokens: 1, completion_tokens: 1 }, model };
    },
  };
}
