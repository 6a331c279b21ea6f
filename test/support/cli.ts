/** Run `mta-sts` in-process with captured output and a given standard input (CLI tests). */
import { CliContext } from "../../cli/exit-codes";
import { main } from "../../cli/main";

export async function runCli(argv: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = { exitCode: 0, out: (t) => void out.push(t), err: (t) => void err.push(t), readStdin: async () => stdin };
  const code = await main(argv, ctx);
  return { code, out: out.join(""), err: err.join("") };
}
