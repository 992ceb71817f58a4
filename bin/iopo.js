#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) or `npm run build`.
import { runCli } from "../dist/cli/main.js";

runCli(process.argv);
