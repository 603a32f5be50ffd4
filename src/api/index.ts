/** Public surface of the API layer. */
export { type AppOptions, buildOwnerApp, buildPeerApp } from './app.ts';
export { toHttpError } from './errors.ts';
export { introduce } from './introduce.ts';
export { type RunningNode, type ServerOptions, startServer } from './server.ts';
