/**
 * The entry module of the TLS-RPT receiver Worker, bundled with what it imports into one ES
 * module at `npm run build` (scripts/build-receiver-bundle.js). Bindings: bindings.ts.
 */
import { handleRequest, ReceiverContext, ReceiverEnv } from "./handler";

export default {
  fetch(request: Request, env: ReceiverEnv, ctx: ReceiverContext): Promise<Response> {
    return handleRequest(request, env, ctx);
  },
};
