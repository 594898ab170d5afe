import { strict as assert } from "assert";
import { hashSync } from "bcryptjs";
import { parse } from "yaml";
import { renderWebConfig } from "../../components/prometheus/web-config";
import { receiverEndpoint } from "../../components/prometheus/exposure";

describe("global web config and receiver endpoint", () => {
    it("lists bcrypt hashes under basic_auth_users", () => {
        const hash = hashSync("s3cret", 4);
        const cfg: any = parse(renderWebConfig({ "zone-writer": hash }));
        assert.deepEqual(cfg, { basic_auth_users: { "zone-writer": hash } });
    });

    it("refuses anything that is not a bcrypt hash (a plaintext password must never land here)", () => {
        assert.throws(() => renderWebConfig({ "zone-writer": "s3cret" }), /zone-writer.*not a bcrypt hash/);
    });

    it("builds the remote-write URL for each exposure", () => {
        assert.equal(receiverEndpoint({ type: "ClusterIP" }, "global-prometheus", "obs").remoteWriteUrl, "http://global-prometheus.obs.svc.cluster.local:80/api/v1/write");
        const tls = receiverEndpoint({ type: "Ingress", host: "prom.example.com", tlsSecretName: "tls" }, "g", "obs");
        assert.equal(tls.remoteWriteUrl, "https://prom.example.com/api/v1/write");
        assert.deepEqual(tls.warnings, []);
        const plain = receiverEndpoint({ type: "Ingress", host: "prom.example.com" }, "g", "obs");
        assert.equal(plain.remoteWriteUrl, "http://prom.example.com/api/v1/write");
        assert.match(plain.warnings[0], /clear text/);
        const lb = receiverEndpoint({ type: "LoadBalancer", host: "lb.example.com" }, "g", "obs");
        assert.equal(lb.remoteWriteUrl, "http://lb.example.com:80/api/v1/write");
        assert.equal(lb.warnings.length, 1);
        const nodePort = receiverEndpoint({ type: "NodePort", host: "meshobs-east-control-plane", nodePort: 30090 }, "g", "obs");
        assert.equal(nodePort.remoteWriteUrl, "http://meshobs-east-control-plane:30090/api/v1/write");
        assert.match(nodePort.warnings.join("\n"), /plain HTTP/);
    });
});
