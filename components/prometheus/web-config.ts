import { renderYaml } from "../kernel/render-yaml";

/**
 * Prometheus web configuration (exporter-toolkit `--web.config.file`): every HTTP endpoint,
 * remote write included, requires basic auth. Values are bcrypt hashes, never passwords.
 * Prometheus re-reads this file on every request, so a rotated password needs no restart.
 */
export function renderWebConfig(users: Readonly<Record<string, string>>): string {
    for (const [user, hash] of Object.entries(users)) {
        if (!/^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$/.test(hash)) {
            throw new Error(`web config: the credential of user ${JSON.stringify(user)} is not a bcrypt hash`);
        }
    }
    return renderYaml({ basic_auth_users: { ...users } });
}
