/**
 * stowage verify's pure decisions: which endpoint the canary's plain-HTTP upload goes to, and when an endpoint is an
 * S3-compatible store rather than AWS. (Everything that talks to S3 is tested on the real gateway, verify.rgw.)
 */
import { describe, expect, it } from "vitest";
import { plainTwin, s3Compatible } from "../infra/verify/report.js";

describe("the canary's plain-HTTP endpoint", () => {
  it("is the bucket's own regional endpoint on AWS", () => {
    expect(plainTwin({}, "eu-west-1")).toBe("http://s3.eu-west-1.amazonaws.com");
    expect(plainTwin({ region: "us-east-2" }, null)).toBe("http://s3.us-east-2.amazonaws.com");
    expect(plainTwin({}, null)).toBe("http://s3.us-east-1.amazonaws.com");
  });

  it("is the https endpoint with http:// on the default port, or --http-endpoint", () => {
    expect(plainTwin({ endpoint: "https://s3.example.internal" }, "zg")).toBe("http://s3.example.internal");
    expect(plainTwin({ endpoint: "https://s3.example.internal:8443", httpEndpoint: "http://s3.example.internal:8080" }, "zg")).toBe(
      "http://s3.example.internal:8080",
    );
  });

  it("says why there is nothing to compare with", () => {
    expect(plainTwin({ endpoint: "http://127.0.0.1:7480" }, null)).toEqual({ reason: "the endpoint is plain HTTP: there is no TLS to compare with" });
    expect(plainTwin({ endpoint: "https://127.0.0.1:7481" }, null)).toEqual({
      reason: "pass --http-endpoint: the plain-HTTP port of 127.0.0.1:7481 cannot be guessed",
    });
  });
});

describe("S3-compatible endpoints", () => {
  it("are any endpoint outside AWS's own domains", () => {
    expect(s3Compatible(undefined)).toBe(false);
    expect(s3Compatible("https://s3.us-east-1.amazonaws.com")).toBe(false);
    expect(s3Compatible("https://bucket.vpce-0abc.s3.us-east-1.vpce.amazonaws.com")).toBe(false);
    expect(s3Compatible("https://s3.cn-north-1.amazonaws.com.cn")).toBe(false);
    expect(s3Compatible("https://127.0.0.1:7481")).toBe(true);
    expect(s3Compatible("https://amazonaws.com.storage.example")).toBe(true);
  });
});
