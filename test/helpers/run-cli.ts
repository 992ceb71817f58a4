// Entry for spawning the CLI from TypeScript sources in tests: `node --import tsx test/helpers/run-cli.ts <args>`.
import { runCli } from "../../src/cli/main.js";

runCli(process.argv);
