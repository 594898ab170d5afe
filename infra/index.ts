// Pulumi entry point (Pulumi.yaml `main`). Stack outputs are the role's exports.
import { main } from "./main";

export = main();
