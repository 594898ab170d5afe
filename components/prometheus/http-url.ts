/** URL checks shared by the remote-write, remote-read and federation builders. */

/**
 * Returns `text` unchanged when it is an absolute http(s) URL without user info; throws otherwise.
 * User info is refused because it would put a credential into prometheus.yml (and the plan).
 */
export function httpUrl(text: string, setting: string): string {
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        throw new Error(`${setting}: ${JSON.stringify(text)} is not a URL; allowed: http(s)://host[:port]/path`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new Error(`${setting}: ${JSON.stringify(text)} uses ${url.protocol.replace(/:$/, "")}; allowed: http or https`);
    }
    if (url.username !== "" || url.password !== "") {
        throw new Error(`${setting}: ${JSON.stringify(text)} carries credentials in the URL; allowed: a URL without user info (it would put a credential into prometheus.yml)`);
    }
    return text;
}

/** host:port of an http(s) URL, the default port (80/443) made explicit, for static_configs targets. */
export function hostPort(url: URL): string {
    const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
    // URL.hostname keeps IPv6 brackets ("[::1]"), which is what a target needs.
    return `${url.hostname}:${port}`;
}
