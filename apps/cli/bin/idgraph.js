#!/usr/bin/env node
// The idgraph bin: runs the TypeScript entry point through tsx, so the installed CLI and `pnpm idgraph` are the same code.
import { register } from "tsx/esm/api"

register()
await import("../src/main.ts")
