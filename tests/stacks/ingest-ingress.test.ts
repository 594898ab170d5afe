import { strict as assert } from "assert";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { INGEST_BODY_LIMIT, NGINX_PROXY_BODY_SIZE } from "../../components/kernel/ingest-ingress";
import { one, revealed } from "../support/plan-access";
import { testStack } from "../support/stack-file";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";

const ingress = (host: string) => ({ type: "ingress", host, ingressClassName: "nginx", tlsSecretName: `${host}-tls` });

describe("ingestion Ingresses lift ingress-nginx's 1 MiB request body limit", function () {
    this.timeout(120_000);
    let prod: EnvironmentEvaluation;
    before(async () => {
        prod = await evaluateEnvironment("prod");
    });

    it("prod: Prometheus, Loki and Jaeger ingresses all carry the same proxy-body-size", () => {
        const g = prod.stacks.find((s) => s.stack === "prod-global")!;
        const prometheus = revealed(one(g, CHART_TYPE, "global-prometheus-chart")).values.server.ingress.annotations;
        const loki = revealed(one(g, CHART_TYPE, "global-loki-chart")).values.gateway.ingress.annotations;
        const jaeger = revealed(one(g, "kubernetes:networking.k8s.io/v1:Ingress", "global-jaeger-otlp")).metadata.annotations;
        for (const [what, annotations] of Object.entries({ prometheus, loki, jaeger })) {
            assert.equal(annotations?.[NGINX_PROXY_BODY_SIZE], INGEST_BODY_LIMIT, what);
        }
    });

    it("an annotation set in the stack file wins over the default", async () => {
        const e = await evaluateEnvironment("ing", {
            files: [
                testStack("ing-global", {
                    zones: ["a"],
                    logs: { backend: "loki", loki: { exposure: { ...ingress("loki.example.com"), annotations: { [NGINX_PROXY_BODY_SIZE]: "64m" } } } },
                    grafana: { enabled: false },
                }),
                testStack("ing-zone-a", { mesh: { version: "2.14.3" } }),
            ],
        });
        const loki = revealed(one(e.stacks[0], CHART_TYPE, "global-loki-chart")).values.gateway.ingress.annotations;
        assert.equal(loki[NGINX_PROXY_BODY_SIZE], "64m");
    });
});
