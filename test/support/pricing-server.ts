/**
 * A local Price List API on loopback that answers the real wire protocol (AWS JSON 1.1, target
 * AWSPriceListService.GetProducts): TERM_MATCH filters, pagination by NextToken, throttling, server errors.
 * The real @aws-sdk/client-pricing talks to it; nothing in the client is mocked.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ServerOptions {
  /** Documents (as the API's strings) by service code. */
  readonly products: Record<string, string[]>;
  /** Answer at most this many products per page, whatever MaxResults asks. */
  readonly pageSize?: number;
  /** The first N requests get a 400 ThrottlingException. */
  readonly throttleFirst?: number;
  /** Services answered with HTTP 500 every time. */
  readonly failServices?: readonly string[];
}

export interface RecordedRequest {
  readonly target: string | undefined;
  readonly body: { ServiceCode: string; Filters?: { Type: string; Field: string; Value: string }[]; NextToken?: string; MaxResults?: number };
}

export interface PricingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

function matches(doc: string, filters: RecordedRequest["body"]["Filters"]): boolean {
  let parsed: { product?: { productFamily?: string; attributes?: Record<string, string> } };
  try {
    parsed = JSON.parse(doc);
  } catch {
    return true; // a malformed element still travels, as a real answer's would
  }
  const attrs: Record<string, string> = { ...(parsed.product?.attributes ?? {}), productFamily: parsed.product?.productFamily ?? "" };
  return (filters ?? []).every((f) => f.Type === "TERM_MATCH" && attrs[f.Field] === f.Value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startPricingServer(opts: ServerOptions): Promise<PricingServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || "{}") as RecordedRequest["body"];
    const target = req.headers["x-amz-target"] as string | undefined;
    requests.push({ target, body });
    const reply = (status: number, payload: unknown, type?: string) => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1", ...(type ? { "x-amzn-errortype": type } : {}) });
      res.end(JSON.stringify(payload));
    };
    if (target !== "AWSPriceListService.GetProducts") return reply(400, { __type: "UnknownOperationException" }, "UnknownOperationException");
    if (requests.length <= (opts.throttleFirst ?? 0)) return reply(400, { __type: "ThrottlingException", message: "Rate exceeded" }, "ThrottlingException");
    if (opts.failServices?.includes(body.ServiceCode)) return reply(500, { __type: "InternalErrorException", Message: "boom" }, "InternalErrorException");
    const all = (opts.products[body.ServiceCode] ?? []).filter((d) => matches(d, body.Filters));
    const start = body.NextToken ? Number(Buffer.from(body.NextToken, "base64").toString()) : 0;
    const size = Math.min(body.MaxResults ?? 100, opts.pageSize ?? 100);
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString("base64") : undefined;
    reply(200, { FormatVersion: "aws_v1", PriceList: page, ...(next ? { NextToken: next } : {}) });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
