import * as net from "net";

/**
 * Asks the kernel for an unused loopback port by binding 127.0.0.1:0 and closing again.
 * There is a small race (someone else may take the port before the caller binds it), which is
 * acceptable for tests; binding to 127.0.0.1 only keeps every test socket off real interfaces.
 */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
            const address = server.address();
            if (address === null || typeof address === "string") {
                server.close();
                reject(new Error(`freePort: unexpected listen address ${String(address)}`));
                return;
            }
            const port = address.port;
            server.close((err) => (err ? reject(err) : resolve(port)));
        });
    });
}
