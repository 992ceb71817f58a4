import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { DEFAULT_METHODS, writeExperimentFixture } from "./fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "iopo-report-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("iopo report", () => {
  it("writes the page and prints its path; a missing folder is a usage error naming it", () => {
    const dir = join(tmp, "run");
    writeExperimentFixture(dir, { name: "cli-run", methods: DEFAULT_METHODS.slice(2), seeds: [1, 2], items: 6 });
    const out = join(tmp, "page", "report.html");
    const r = runCli(["report", dir, "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`wrote ${out}\n`);
    const html = readFileSync(out, "utf8");
    expect(html).toContain('<script type="application/json" id="report-data">');
    expect(html).toContain('"title":"cli-run"');

    const missing = join(tmp, "nope");
    const bad = runCli(["report", missing, "-o", join(tmp, "x.html")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${missing}: no such file or folder`);
    expect(existsSync(join(tmp, "x.html"))).toBe(false);
  });
});
