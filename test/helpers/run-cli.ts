// Entry for spawning the CLI from TypeScript sources in tests: `node --import tsx test/helpers/run-cli.ts <args>`.
import { main } from "../../src/cli/main.js";

main(process.argv).catch((err) => {
  process.stderr.write(`iopo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
